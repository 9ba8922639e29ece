"""Leaving: hangUp (for this room or for all), the owner's hand-over, shutdown, a lost network.

What happens once we are out of the room is outcome.finish; a conference left while still
joining is outcome.abandon; a join request still unanswered is withdrawn (admission).
"""

from __future__ import annotations

from meetroom.calls.conference import admission, invitations
from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference.context import DECLINED, FAILED, LEAVE_TIMEOUT, Context
from meetroom.calls.conference.outcome import abandon, finish
from meetroom.calls.conference.state import Conference, Phase, bare
from meetroom.calls.errors import CallError


def hang_up(ctx: Context, cmd: ev.HangUp) -> None:
    if ctx.invitation is not None and ctx.conf is None:
        invitations.decline(ctx, ctx.invitation, DECLINED)
        return
    conf = ctx.conf
    if conf is None:
        raise CallError("the room is not in a conference")
    if conf.phase is Phase.LEAVING:
        raise CallError("the room is leaving the conference already")
    if conf.phase is Phase.REQUESTING:
        admission.stop_requesting(ctx, conf, timed_out=False)
        return
    if cmd.for_all:
        if conf.is_owner:
            ctx.emit(fx.Destroy(conf.room))
        elif conf.is_moderator:
            for who in conf.participants.values():
                if not who.owner:
                    ctx.emit(fx.SetRole(conf.room, who.nick, "none"))
            ctx.emit(fx.Leave(conf.room, conf.nick))
        else:
            raise CallError("only the conference owner or a moderator can end the conference for all")
    else:
        if conf.is_owner:
            _hand_over(ctx, conf)
        ctx.emit(fx.Leave(conf.room, conf.nick))
    if conf.phase is Phase.JOINING:
        abandon(ctx, conf, FAILED)
        return
    conf.phase = Phase.LEAVING
    ctx.timer("leave", LEAVE_TIMEOUT)


def _hand_over(ctx: Context, conf: Conference) -> None:
    """The owner leaves without ending it: a moderator (else the longest present) becomes owner."""
    others = [w for w in conf.participants.values() if bare(w.jid) != conf.room]  # real JIDs only
    if not others:
        return
    others.sort(key=lambda w: (not w.moderator, w.joined_at, w.jid))
    ctx.emit(fx.SetAffiliation(conf.room, bare(others[0].jid), "owner"))


def shutdown(ctx: Context) -> None:
    conf = ctx.conf
    if conf is not None:
        ctx.emit(fx.Leave(conf.room, conf.nick))
        finish(ctx, conf)
    elif ctx.invitation is not None:
        invitations.decline(ctx, ctx.invitation, DECLINED)


def network_lost(ctx: Context) -> None:
    ctx.invitation = None
    if ctx.conf is not None:
        finish(ctx, ctx.conf)
