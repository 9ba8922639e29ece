"""Jingle IQs in (XEP-0166/0167): session-initiate, -accept, -terminate, -info, transport-info.

Each is acknowledged or refused with the IQ error the XEP names; a late IQ for a call that just
ended is acknowledged quietly. A session-initiate with no propose before it is an incoming call.
"""

from __future__ import annotations

from meetroom.calls import views
from meetroom.calls.causes import Cause
from meetroom.calls.machine import answering, ending, timers
from meetroom.calls.machine import effects as fx
from meetroom.calls.machine import inputs as ev
from meetroom.calls.machine.context import CallContext
from meetroom.calls.machine.media import open_media
from meetroom.calls.machine.state import Leg, Phase, Session
from meetroom.core.appstate import AppState


def jingle(ctx: CallContext, iq: ev.JingleIn) -> None:
    if iq.action == "session-initiate":
        _session_initiate(ctx, iq)
        return
    session = ctx.session
    leg = session.leg if session is not None and session.sid == iq.sid else None
    if session is None or leg is None or iq.sender != leg.peer_full:
        if iq.sid in ctx.recent:
            ctx.emit(fx.Ack(iq.iq))
        else:
            ctx.emit(fx.IqError(iq.iq, "item-not-found", "unknown-session"))
        return
    direct_answer = not session.via_jmi and leg.phase is Phase.RINGING
    if iq.action == "session-accept" and session.outgoing and (leg.phase is Phase.NEGOTIATING or direct_answer):
        ctx.emit(fx.Ack(iq.iq))
        if direct_answer:  # a direct Jingle call was answered: now it connects
            timers.cancel_all(ctx, session)
            leg.phase = Phase.NEGOTIATING
            timers.start(ctx, session, leg, "connect", timers.CONNECT_TIMEOUT)
        leg.peer_is_meetroom = iq.meetroom
        ctx.emit(fx.ApplyAnswer(leg.key, iq.payload, leg.peer_is_meetroom))
    elif iq.action == "session-terminate":
        ctx.emit(fx.Ack(iq.iq))
        reason = iq.reason
        cause = reason.cause if reason is not None else Cause.DECLINED
        condition = reason.condition if reason is not None else "success"
        ending.end(ctx, session, local=False, notify=False, cause=cause, condition=condition)
    elif iq.action == "session-info":
        _session_info(ctx, iq, session, leg)
    elif iq.action == "transport-info":
        ctx.emit(fx.Ack(iq.iq))
        if leg.media_open:
            ctx.emit(fx.AddCandidates(leg.key, iq.payload))
        else:  # ringing, or accepted before the offer came: no peer connection to give them to yet
            leg.early_candidates.append(iq.payload)
    else:
        ctx.emit(fx.IqError(iq.iq, "feature-not-implemented", "unsupported-info"))


def _session_initiate(ctx: CallContext, iq: ev.JingleIn) -> None:
    session = ctx.session
    if session is not None and session.sid == iq.sid:
        leg = session.leg
        if session.outgoing or iq.sender != leg.peer_full or leg.offer is not None:
            ctx.emit(fx.IqError(iq.iq, "unexpected-request", "out-of-order", etype="wait"))
            return
        ctx.emit(fx.Ack(iq.iq))
        leg.offer, leg.peer_is_meetroom = iq.payload, iq.meetroom
        if leg.phase is Phase.NEGOTIATING:  # accepted already: the offer was awaited
            timers.cancel_all(ctx, session)
            open_media(ctx, leg, fx.MakeAnswer(leg.key, leg.peer_full, leg.offer, leg.peer_is_meetroom))
        return
    ctx.emit(fx.Ack(iq.iq))
    if session is not None or ctx.env.app_state != AppState.NORMAL:
        ctx.emit(fx.SendTerminate(iq.sender, iq.sid, Cause.BUSY, "busy"))
        return
    offered = answering.proposed(ctx, iq.sender, iq.sid, via_jmi=False, offer=iq.payload, peer_is_meetroom=iq.meetroom)
    answering.ring(ctx, offered)


def _session_info(ctx: CallContext, iq: ev.JingleIn, session: Session, leg: Leg) -> None:
    if not iq.infos and iq.has_children:
        ctx.emit(fx.IqError(iq.iq, "feature-not-implemented", "unsupported-info", etype="modify"))
        return
    ctx.emit(fx.Ack(iq.iq))
    kind_of_mid = {mid: kind for kind, mid in ctx.env.mids(leg.key).items()}
    changed = False
    for payload, name in iq.infos:
        if payload == "ringing" and session.outgoing:
            leg.rang.add(iq.sender)
        if payload not in ("mute", "unmute"):
            continue  # ringing, active, hold, unhold: acknowledged; the API has no event for them
        for kind in [kind_of_mid[name]] if name in kind_of_mid else ["audio", "video"]:
            key = "mic" if kind == "audio" else "video"
            muted = payload == "mute"
            changed = changed or leg.remote_mutes[key] != muted
            leg.remote_mutes[key] = muted
    if changed and leg.phase is Phase.ACTIVE:
        mutes = leg.remote_mutes
        ctx.publish(
            "deviceStatusReceived",
            confId=session.conf_id,
            peerId=leg.peer_id,
            mic=views.device_state(mutes["mic"]),
            video=views.device_state(mutes["video"]),
        )
