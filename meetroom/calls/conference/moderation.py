"""The owner's and moderators' say over participants: kickPeer and setModeratorRole.

Both are MUC admin requests (role `none`, `moderator` / `participant`); what follows is the
room's presence, handled in presence.py.
"""

from __future__ import annotations

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference.context import Context
from meetroom.calls.errors import CallError


def kick(ctx: Context, cmd: ev.Kick) -> None:
    conf = ctx.active("kick a participant")
    who = ctx.participant(conf, cmd.peer, "kickPeer")
    if not (conf.is_owner or conf.is_moderator):
        raise CallError("only the conference owner or a moderator can kick a participant")
    if who.owner:
        raise CallError("the conference owner cannot be kicked")
    ctx.emit(fx.SetRole(conf.room, who.nick, "none"))


def set_moderator(ctx: Context, cmd: ev.SetModerator) -> None:
    conf = ctx.active("change a moderator")
    who = ctx.participant(conf, cmd.peer, "setModeratorRole")
    if not isinstance(cmd.moderator, bool):
        raise CallError("moderator must be true or false")
    if not conf.is_owner:
        raise CallError("only the conference owner can give or take moderator rights")
    if who.owner:
        raise CallError("the conference owner is a moderator anyway")
    wanted = "moderator" if cmd.moderator else "participant"
    if who.role != wanted:
        ctx.emit(fx.SetRole(conf.room, who.nick, wanted))
