"""How a call ends: the API events that say why, the history record, and back to appState 3.

`idle` ends a call that never connected (rejected, missed, withdrawn); `end` one that was
answered, telling the peer unless it told us. Also the inputs that can only end a call:
`Shutdown`, `NetworkLost` and `PeerUnavailable`.
"""

from __future__ import annotations

from meetroom.calls.causes import Cause, Record, Side
from meetroom.calls.machine import effects as fx
from meetroom.calls.machine import inputs as ev
from meetroom.calls.machine import timers
from meetroom.calls.machine.context import CallContext
from meetroom.calls.machine.state import Leg, Phase, Session
from meetroom.core.appstate import AppState


# --- what the API hears -----------------------------------------------------------------------
def reject_received(ctx: CallContext, leg: Leg, cause: Cause) -> None:
    ctx.publish("rejectReceived", peerId=leg.peer_id, peerDn=leg.peer_dn, cause=cause)


def reject_sent(ctx: CallContext, conf_id: str, peer: str, peer_dn: str, cause: Cause) -> None:
    ctx.publish("rejectSent", confId=conf_id, peerId=peer, peerDn=peer_dn, cause=cause)


def stop_calling(ctx: CallContext, peer: str, side: Side) -> None:
    ctx.publish("stopCalling", peerId=peer, side=side)


# --- ending -------------------------------------------------------------------------------------
def over(ctx: CallContext, session: Session) -> None:
    for leg in session.legs.values():
        leg.phase = Phase.ENDED
    timers.cancel_all(ctx, session)
    ctx.remember(session.sid)


def idle(ctx: CallContext, session: Session, record: Record | None = None) -> None:
    """A call that never connected is over: back to appState 3."""
    over(ctx, session)
    leg = session.leg
    kind = record if record is not None else (Record.OUTGOING if session.outgoing else Record.MISSED)
    ctx.emit(fx.WriteHistory(kind, leg.peer_bare, leg.peer_dn, session.created))
    if ctx.session is session:
        ctx.session = None
        ctx.set_state(AppState.NORMAL)
    ctx.emit(fx.CloseMedia(leg.key))


def end(
    ctx: CallContext,
    session: Session,
    *,
    local: bool,
    cause: Cause | None = None,
    condition: str = "success",
    notify: bool = True,
) -> None:
    """A call that was answered is over: tell the peer (unless it told us), close, announce."""
    leg = session.leg
    if leg.phase is Phase.ENDED or ctx.session is not session:
        return
    was_active = leg.phase is Phase.ACTIVE
    duration = leg.duration(ctx.now)
    over(ctx, session)
    if notify and leg.peer_full:
        ctx.emit(fx.SendTerminate(leg.peer_full, session.sid, cause, condition))
        if session.via_jmi:
            ctx.emit(fx.SendJmi(leg.peer_full, "finish", session.sid, cause, condition=condition))
    if was_active:
        if not local:
            ctx.publish("participantLeftConference", peerId=leg.peer_id)
        ctx.set_state(AppState.CLOSE)
    ctx.emit(fx.CloseMedia(leg.key))
    if was_active:
        ctx.emit(fx.RemoveSlot(leg.peer_id))
        ctx.publish("conferenceDeleted", confId=session.conf_id)
    elif session.outgoing and not local:
        reject_received(ctx, leg, Cause.FAILED if cause is None else cause)
    else:
        stop_calling(ctx, leg.peer_id, Side.LOCAL if local else Side.REMOTE)
    kind = Record.OUTGOING if session.outgoing else Record.INCOMING
    ctx.emit(fx.WriteHistory(kind, leg.peer_bare, leg.peer_dn, leg.connected_at or session.created, duration))
    ctx.session = None
    ctx.set_state(AppState.NORMAL)


# --- inputs that only end a call --------------------------------------------------------------
def shutdown(ctx: CallContext, _cmd: ev.Shutdown) -> None:
    if ctx.session is not None:
        end(ctx, ctx.session, local=True)


def network_lost(ctx: CallContext, _lost: ev.NetworkLost) -> None:
    """Losing the server ends the call here (the peer notices the silence on its side)."""
    if ctx.session is not None:
        end(ctx, ctx.session, local=False, notify=False)


def peer_unavailable(ctx: CallContext, gone: ev.PeerUnavailable) -> None:
    session = ctx.session
    if session is None:
        return
    leg = session.leg
    if not leg.peer_full or gone.full_jid.lower() != leg.peer_full.lower():
        return
    if leg.phase is Phase.RINGING and not session.outgoing:
        stop_calling(ctx, leg.peer_bare, Side.REMOTE)
        idle(ctx, session, Record.MISSED)
    elif leg.phase is Phase.RINGING and not session.via_jmi:  # the resource we called directly left
        reject_received(ctx, leg, Cause.UNAVAILABLE)
        idle(ctx, session)
    elif leg.phase is not Phase.RINGING:
        end(ctx, session, local=False, notify=False)
