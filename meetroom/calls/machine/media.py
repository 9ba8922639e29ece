"""The call's media: opening the peer connection, its results, connecting, and losing it.

Losing media is not ending the call at once: a peer that hangs up often closes its media a
moment before its session-terminate arrives, so a `media-lost` timer (TERMINATE_GRACE) waits.
"""

from __future__ import annotations

import logging

from meetroom.calls import views
from meetroom.calls.causes import Cause
from meetroom.calls.machine import effects as fx
from meetroom.calls.machine import ending, timers
from meetroom.calls.machine import inputs as ev
from meetroom.calls.machine.context import CallContext
from meetroom.calls.machine.state import Leg, Phase, Session, TimerKey
from meetroom.core.appstate import AppState

log = logging.getLogger(__name__)


def open_media(ctx: CallContext, leg: Leg, make: fx.MakeOffer | fx.MakeAnswer) -> None:
    """Open the leg's peer connection, then hand it the candidates that trickled in before."""
    leg.media_open = True
    ctx.emit(make)
    early, leg.early_candidates = leg.early_candidates, []
    for payload in early:
        ctx.emit(fx.AddCandidates(leg.key, payload))


def local_description(ctx: CallContext, done: ev.LocalDescription) -> None:
    found = ctx.current(done.leg)
    if found is None:
        return
    session, leg = found
    if not session.outgoing:
        timers.start(ctx, session, leg, "connect", timers.CONNECT_TIMEOUT)  # counted from the answer
    ctx.emit(fx.SendDescription(leg.peer_full, leg.key, done.jingle))


def delivered(ctx: CallContext, done: ev.JingleDelivered) -> None:
    found = ctx.current(done.leg)
    if found is None:
        return
    session, leg = found
    if not done.ok:  # the peer refused our offer/answer or never answered it: end quietly
        ending.end(ctx, session, local=False, cause=Cause.FAILED, condition="general-error", notify=False)
    elif session.outgoing and leg.phase is Phase.NEGOTIATING:
        timers.start(ctx, session, leg, "connect", timers.CONNECT_TIMEOUT)  # counted from the acknowledged offer


def media_refused(ctx: CallContext, failed: ev.MediaRefused) -> None:
    found = ctx.current(failed.leg)
    if found is None:
        return
    log.warning("call %s: cannot %s", failed.leg.sid, {"offer": "make the offer"}.get(failed.step, "answer"))
    if failed.step == "offer":
        ending.end(ctx, found[0], local=True, cause=Cause.NO_RESOURCES, condition="media-error")
    else:
        ending.end(ctx, found[0], local=True, cause=Cause.INCOMPATIBLE, condition="incompatible-parameters")


def media_connected(ctx: CallContext, done: ev.MediaConnected) -> None:
    found = ctx.current(done.leg)
    if found is None or found[1].phase is not Phase.NEGOTIATING:
        return
    session, leg = found
    timers.cancel_all(ctx, session)
    leg.phase = Phase.ACTIVE
    leg.connected_at = ctx.now
    ctx.set_state(AppState.CONFERENCE)
    ctx.emit(fx.Publish("conferenceCreated", views.conference_fields(session.conf_id, session.owner, leg.peer_id)))
    ctx.publish("peerAccepted", peerId=leg.peer_id, peerDn=leg.peer_dn, confId=session.conf_id)
    peer = views.peer_fields(leg.peer_id, leg.peer_dn, leg.remote_mutes, ctx.env.media_view(leg.key))
    ctx.emit(fx.Publish("newParticipantInConference", {**peer, "extraVideo": 0, "confId": session.conf_id}))
    ctx.emit(fx.AddSlot(leg.peer_id, leg.peer_dn))
    mutes = ctx.env.own_mutes()
    for what in ("mic", "video"):
        if mutes[what]:
            ctx.emit(fx.SendMute(leg.peer_full, leg.key, what, True))


def media_lost(ctx: CallContext, lost: ev.MediaLost) -> None:
    """Give the peer's session-terminate TERMINATE_GRACE before ending the call as a network loss."""
    found = ctx.current(lost.leg)
    if found is None:
        return
    session, leg = found
    if TimerKey(leg.key, "media-lost") in session.timers:
        return
    log.info("call %s: %s; waiting %g s for a session-terminate", lost.leg.sid, lost.reason, timers.TERMINATE_GRACE)
    timers.start(ctx, session, leg, "media-lost", timers.TERMINATE_GRACE)


def own_mute(ctx: CallContext, change: ev.OwnMute) -> None:
    """Our own mute changes go to the peer as session-info while a call is up."""
    session = ctx.session
    if session is None or change.what not in ("mic", "video"):
        return
    for leg in session.legs.values():
        if leg.phase is Phase.ACTIVE:
            ctx.emit(fx.SendMute(leg.peer_full, leg.key, change.what, change.muted))


def _never_connected(ctx: CallContext, session: Session, _leg: Leg) -> None:
    ending.end(ctx, session, local=True, cause=Cause.FAILED, condition="failed-transport")


def _lost_for_good(ctx: CallContext, session: Session, _leg: Leg) -> None:
    ending.end(ctx, session, local=False, cause=Cause.FAILED, condition="connectivity-error")


EXPIRIES: dict[str, timers.Expiry] = {"connect": _never_connected, "media-lost": _lost_for_good}
