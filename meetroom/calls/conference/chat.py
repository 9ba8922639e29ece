"""The conference's group chat: sendGroupMessage out, the room's messages in (stored and announced).

The room echoes our own message back: that echo is groupChatMessageSent. The messages the room
replays from its history when we join (delayed, XEP-0045 discussion history) go into the chat
store, so getChatLastMessages shows what was said before this room came in, but are not
announced (they are not news). The store drops a message it has by its stanza-id already.
"""

from __future__ import annotations

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference.context import Context
from meetroom.calls.conference.state import Phase, group_chat_id
from meetroom.calls.errors import CallError
from meetroom.net.muc import GroupMessage


def send(ctx: Context, cmd: ev.SendGroup) -> None:
    conf = ctx.active("send a group message")
    if not isinstance(cmd.text, str) or not cmd.text:
        raise CallError("message must be a non-empty string")
    ctx.emit(fx.SendGroup(conf.room, cmd.text))


def received(ctx: Context, msg: GroupMessage) -> None:
    conf = ctx.conf
    if conf is None or msg.room != conf.room or conf.phase is not Phase.ACTIVE:
        return
    own = msg.nick == conf.nick
    ctx.emit(fx.StoreGroupMessage(conf.room, conf.title, own, msg.body, msg.time, msg.msg_id))
    if msg.delayed:
        return  # the room's history, sent on join: kept for getChatLastMessages, not news
    if own:
        ctx.publish("groupChatMessageSent", message=msg.body)
        return
    who = conf.by_nick(msg.nick)
    peer = who.jid if who is not None else f"{conf.room}/{msg.nick}"
    ctx.publish(
        "incomingGroupChatMessage",
        peerId=peer,
        peerDn=who.dn if who is not None else msg.nick,
        chatId=group_chat_id(conf.room),
        message=msg.body,
        time=int(msg.time),
        confId=conf.conf_id,
    )
