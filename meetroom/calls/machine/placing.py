"""The caller's side: placing a call and what the callee's resources answer while it rings.

Over JMI (XEP-0353) the call is a propose to the peer's bare JID: resources ring, one proceeds
(then our offer goes to it) or all reject; `nobody-rings` and `ring` bound the wait. A peer
without JMI is called directly: our session-initiate is the call and its session-accept the answer.
"""

from __future__ import annotations

from meetroom import ids
from meetroom.calls.causes import Cause
from meetroom.calls.errors import CallError
from meetroom.calls.machine import effects as fx
from meetroom.calls.machine import ending, timers
from meetroom.calls.machine import inputs as ev
from meetroom.calls.machine.context import CallContext, bare
from meetroom.calls.machine.env import Env
from meetroom.calls.machine.media import open_media
from meetroom.calls.machine.state import Leg, Phase, Session
from meetroom.core.appstate import AppState
from meetroom.net.jingle.jmi import JmiAction


def normalise(env: Env, peer: str) -> str:
    try:
        return ids.instance_or_call_id(peer, env.domain)
    except ids.IdError as exc:
        raise CallError(str(exc)) from None


def place_call(ctx: CallContext, cmd: ev.PlaceCall) -> None:
    env = ctx.env
    if not env.logged_in:
        raise CallError("not logged in: send login first")
    if ctx.session is not None or env.app_state != AppState.NORMAL:
        raise CallError("a call is already in progress")
    target = normalise(env, cmd.peer)
    peer = bare(target)
    if target == env.own_full or (peer == env.own_bare and "/" not in target):
        raise CallError("a room cannot call itself")
    if cmd.ice_error:
        raise CallError(f"iceHostAddresses: {cmd.ice_error}")
    full = cmd.direct or (target if "/" in target else "")
    session = ctx.new_session(
        cmd.sid, peer, outgoing=True, owner=env.own_full, target=target, peer_full=full, via_jmi=not cmd.direct
    )
    leg = session.leg
    ctx.session = session
    if session.via_jmi:
        ctx.emit(fx.SendJmi(target, "propose", cmd.sid))
    ctx.publish("inviteSent", confId=session.conf_id, peerId=target, peerDn=leg.peer_dn, confType=0)
    ctx.set_state(AppState.WAIT)
    timers.start(ctx, session, leg, "ring", env.ring_timeout)
    if session.via_jmi:
        timers.start(ctx, session, leg, "nobody-rings", 0.0 if env.known_offline(target) else timers.NO_RINGING_SECONDS)
    else:  # XEP-0166 without JMI: our offer is the call; the session-accept is the answer
        open_media(ctx, leg, fx.MakeOffer(leg.key, full))


def cancel_outgoing(
    ctx: CallContext, session: Session, leg: Leg, cause: Cause | None, condition: str, text: str = ""
) -> None:
    """Withdraw our ringing call: a JMI retract, or session-terminate for a direct Jingle call."""
    if session.via_jmi:
        ctx.emit(fx.SendJmi(leg.target, "retract", session.sid, cause, condition, text))
    else:
        ctx.emit(fx.SendTerminate(leg.peer_full, session.sid, cause, condition))


def proceeded(ctx: CallContext, session: Session, leg: Leg, sender: str) -> None:
    """A resource of the callee took the call: our offer goes to it."""
    if leg.phase is not Phase.RINGING or ("/" in leg.target and sender != leg.target):
        if sender != leg.peer_full:
            # lost the race: tell that resource to stop waiting for our session-initiate
            ctx.emit(fx.SendJmi(sender, "retract", session.sid, condition="cancel"))
        return
    timers.cancel_all(ctx, session)
    leg.peer_full = sender
    leg.phase = Phase.NEGOTIATING
    open_media(ctx, leg, fx.MakeOffer(leg.key, sender))


def rejected(ctx: CallContext, session: Session, leg: Leg, sender: str, action: JmiAction) -> None:
    """A resource of the callee refused: the call is refused once no other resource still rings."""
    if leg.phase is not Phase.RINGING:
        return
    leg.rejected.add(sender)
    declined = action.reason is None or action.reason.condition == "decline"
    still_ringing = leg.rang - leg.rejected
    if not declined and still_ringing:
        return  # busy or timed out there, but another resource still rings
    if still_ringing:  # declined on one device: the others stop ringing too
        ctx.emit(fx.SendJmi(leg.target, "retract", session.sid, condition="cancel"))
    ending.reject_received(ctx, leg, action.reason.cause if action.reason else Cause.DECLINED)
    ending.idle(ctx, session)


def bounced(ctx: CallContext, bounce: ev.JmiBounced) -> None:
    """Our propose came back as an error: nobody of that name, or nobody there."""
    session = ctx.session
    if session is None or session.sid != bounce.sid or not session.outgoing:
        return
    if session.leg.phase is Phase.RINGING:
        cause = Cause.NO_USER if bounce.condition == "item-not-found" else Cause.UNAVAILABLE
        ending.reject_received(ctx, session.leg, cause)
        ending.idle(ctx, session)


def _no_answer(ctx: CallContext, session: Session, leg: Leg) -> None:
    if leg.phase is not Phase.RINGING:
        return
    cancel_outgoing(ctx, session, leg, Cause.NO_ANSWER, "timeout", "no answer")
    ending.reject_received(ctx, leg, Cause.NO_ANSWER)
    ending.idle(ctx, session)


def _nobody_rings(ctx: CallContext, session: Session, leg: Leg) -> None:
    if leg.phase is not Phase.RINGING or leg.rang:
        return
    ctx.emit(fx.SendJmi(leg.target, "retract", session.sid, Cause.UNAVAILABLE, condition="gone"))
    ending.reject_received(ctx, leg, Cause.UNAVAILABLE)
    ending.idle(ctx, session)


EXPIRIES: dict[str, timers.Expiry] = {"ring": _no_answer, "nobody-rings": _nobody_rings}
