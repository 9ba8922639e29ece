"""Reactions and pins: what a participant shows to everyone, and whom this room keeps in view.

Handler functions the machine (machine.py) routes to, each given the shared Context.
A reaction goes to the whole room as a body-less group
message carrying `<reaction xmlns='urn:meetroom:conference:0' conf value/>` (not stored in the
room's history); every room, the sender included, announces `reactionsChanged` when the room
hands it round. A pin is this room's own choice (the participant kept on screen) and is local.
"""

from __future__ import annotations

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference.context import Context
from meetroom.calls.conference.state import Conference
from meetroom.calls.errors import CallError
from meetroom.net.muc import ConfSignal

REACTIONS = range(7)  # 0 none, 1 raise hand, 2 yes, 3 no, 4 laugh, 5 applause, 6 away from desk
PINNED, UNPINNED, PIN_LIMIT = 0, 1, 2


def set_reaction(ctx: Context, cmd: ev.SetReaction) -> None:
    conf = ctx.active("react")
    if not isinstance(cmd.reaction, int) or isinstance(cmd.reaction, bool) or cmd.reaction not in REACTIONS:
        raise CallError("reaction must be 0..6 (0 none, 1 raise hand, ... 6 away from desk)")
    ctx.emit(fx.SendRoomSignal(conf.room, conf.conf_id, "reaction", {"value": str(cmd.reaction)}))


def reaction_in(ctx: Context, conf: Conference, signal: ConfSignal) -> None:
    """The room handed a reaction round; `signal.sender` is the occupant JID (room/nick)."""
    room, _, nick = signal.sender.partition("/")
    try:
        value = int(signal.attrs.get("value", "0"))
    except ValueError:
        return
    if room.lower() != conf.room or value not in REACTIONS:
        return
    if nick == conf.nick:
        conf.reaction, jid = value, ctx.env.own_full
    else:
        who = conf.by_nick(nick)
        if who is None:
            return
        who.reaction, jid = value, who.jid
    ctx.publish("reactionsChanged", confId=conf.conf_id, reactions=[{"callId": jid, "reaction": value}])


def pin(ctx: Context, cmd: ev.Pin) -> None:
    conf = ctx.active("pin a participant")
    who = ctx.participant(conf, cmd.peer, "pinUser")
    if not isinstance(cmd.pinned, bool):
        raise CallError("isPinNeeded must be true or false")
    if cmd.pinned and conf.pinned and conf.pinned != who.jid:
        code = PIN_LIMIT  # one participant at a time
    elif cmd.pinned:
        conf.pinned, code = who.jid, PINNED
    else:
        if conf.pinned == who.jid:
            conf.pinned = ""
        code = UNPINNED
    ctx.publish("userPinEventOccurred", peerId=who.jid, eventCode=code, confId=conf.conf_id)
