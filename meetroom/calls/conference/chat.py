"""The conference's group chat: sendGroupMessage out, the room's messages in (stored and announced).

The room echoes our own message back: that echo is groupChatMessageSent. Messages the room
replays from its history (delayed) are not live news and are not announced.
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
    if conf is None or msg.room != conf.room or conf.phase is not Phase.ACTIVE or msg.delayed:
        return
    own = msg.nick == conf.nick
    ctx.emit(fx.StoreGroupMessage(conf.room, conf.title, own, msg.body, msg.time, msg.msg_id))
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
