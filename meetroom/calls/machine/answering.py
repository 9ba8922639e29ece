"""The callee's side: ringing for an incoming call, then answering or refusing it.

An incoming call is a JMI propose (XEP-0353) or, from a client without JMI, a session-initiate
that already carries the offer; either way it rings here until `Accept`, `Reject`, autoAccept
or the `callee-ring` timer. Accepted over JMI, the offer comes after our proceed (`initiate`).
"""

from __future__ import annotations

from typing import Any

from meetroom.calls.causes import Cause, Record, Side
from meetroom.calls.errors import CallError
from meetroom.calls.machine import effects as fx
from meetroom.calls.machine import ending, timers
from meetroom.calls.machine import inputs as ev
from meetroom.calls.machine.context import CallContext, bare
from meetroom.calls.machine.media import open_media
from meetroom.calls.machine.state import Leg, Phase, Session
from meetroom.core.appstate import AppState


def proposed(ctx: CallContext, sender: str, sid: str, **leg: Any) -> Session:
    """An incoming call from `sender` (a JMI propose, or a Jingle offer without one)."""
    return ctx.new_session(sid, bare(sender), outgoing=False, owner=sender, peer_full=sender, **leg)


def ring(ctx: CallContext, session: Session) -> None:
    """Make `session` the call and ring for it: tell the caller, the API, and maybe answer at once."""
    ctx.session = session
    leg = session.leg
    if session.via_jmi:
        ctx.emit(fx.SendJmi(leg.peer_full, "ringing", session.sid))
    else:  # a Jingle-only caller hears the ringing through session-info (XEP-0167 §7)
        ctx.emit(fx.SendInfo(leg.peer_full, session.sid, "ringing"))
    ctx.publish(
        "inviteReceived", confId=session.conf_id, peerId=leg.peer_bare, peerDn=leg.peer_dn, type=0, confTitle=""
    )
    ctx.set_state(AppState.WAIT)
    timers.start(ctx, session, leg, "callee-ring", ctx.env.ring_timeout + timers.CALLEE_GRACE)
    if ctx.env.auto_accept:
        accept_quietly(ctx)


def ringing_here(session: Session) -> bool:
    return not session.outgoing and session.leg.phase is Phase.RINGING


def accept_quietly(ctx: CallContext) -> None:
    """Answer without a command (autoAccept, a lost tie-break) unless it is answered already."""
    session = ctx.session
    if session is not None and ringing_here(session):
        accept(ctx)


def _ringing_incoming(ctx: CallContext, what: str) -> tuple[Session, Leg]:
    session = ctx.session
    if session is None or session.outgoing or session.leg.phase is not Phase.RINGING:
        raise CallError(f"there is no incoming call to {what}")
    return session, session.leg


def accept(ctx: CallContext, _cmd: ev.Accept | None = None) -> None:
    session, leg = _ringing_incoming(ctx, "accept")
    timers.cancel_all(ctx, session)
    leg.phase = Phase.NEGOTIATING
    if session.via_jmi:
        ctx.emit(fx.SendJmi(leg.peer_full, "proceed", session.sid), fx.SendJmi(ctx.env.own_bare, "accept", session.sid))
    if leg.offer is not None:
        open_media(ctx, leg, fx.MakeAnswer(leg.key, leg.peer_full, leg.offer, leg.peer_is_meetroom))
    else:
        timers.start(ctx, session, leg, "initiate", timers.INITIATE_TIMEOUT)


def reject(ctx: CallContext, _cmd: ev.Reject) -> None:
    session, leg = _ringing_incoming(ctx, "reject")
    refuse(ctx, session, leg)
    ending.idle(ctx, session)


def refuse(ctx: CallContext, session: Session, leg: Leg) -> None:
    """The user declined the ringing call: tell the caller, our other instances, and the API."""
    decline(ctx, session, leg, Cause.DECLINED, "decline")
    ending.reject_sent(ctx, session.conf_id, leg.peer_bare, leg.peer_dn, Cause.DECLINED)


def decline(ctx: CallContext, session: Session, leg: Leg, cause: Cause, condition: str) -> None:
    """Refuse the incoming call to the caller and to our other instances (which stop ringing)."""
    if session.via_jmi:
        for to in (leg.peer_full, ctx.env.own_bare):
            ctx.emit(fx.SendJmi(to, "reject", session.sid, cause, condition=condition))
    else:
        ctx.emit(fx.SendTerminate(leg.peer_full, session.sid, cause, condition))


def _rang_out(ctx: CallContext, session: Session, leg: Leg) -> None:
    if leg.phase is not Phase.RINGING:
        return
    decline(ctx, session, leg, Cause.NO_ANSWER, "timeout")
    ending.stop_calling(ctx, leg.peer_bare, Side.LOCAL)
    ending.idle(ctx, session, Record.MISSED)


def _no_initiate(ctx: CallContext, session: Session, _leg: Leg) -> None:
    ending.end(ctx, session, local=True, cause=Cause.FAILED, condition="timeout")


EXPIRIES: dict[str, timers.Expiry] = {"callee-ring": _rang_out, "initiate": _no_initiate}
