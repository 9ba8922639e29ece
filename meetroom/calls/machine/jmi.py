"""JMI messages in (XEP-0353): whose they are, then the caller's or the callee's side acts.

Carbons and messages from our other instances tell us a call was taken elsewhere; a propose is
a new call (or a tie-break, when both sides called each other at once); the rest answer ours.
"""

from __future__ import annotations

import logging

from meetroom.calls.causes import Cause, Record, Side
from meetroom.calls.machine import answering, ending, placing, timers
from meetroom.calls.machine import effects as fx
from meetroom.calls.machine import inputs as ev
from meetroom.calls.machine.context import CallContext, bare
from meetroom.calls.machine.state import Phase
from meetroom.core.appstate import AppState
from meetroom.net.jingle.jmi import JmiAction, conf_id_for

log = logging.getLogger(__name__)


def jmi(ctx: CallContext, message: ev.JmiIn) -> None:
    action, sender, env = message.action, message.sender, ctx.env
    own_full = env.own_full
    if not own_full or sender.lower() == own_full.lower():
        return  # our own copy of what we sent to our bare JID
    session = ctx.session
    mine = session is not None and session.sid == action.sid
    leg = session.leg if session is not None and mine else None
    # JMI from another instance of this account is about a call it answered or declined,
    # unless that instance is the other party of our call (instances may call each other)
    elsewhere = bare(sender) == env.own_bare and action.kind != "propose"
    if session is not None and leg is not None and (session.outgoing or sender == leg.peer_full):
        elsewhere = False
    if message.carbon == "sent" or elsewhere:
        answered = action.kind in ("proceed", "accept", "reject")
        if session is not None and leg is not None and answered and answering.ringing_here(session):
            ending.stop_calling(ctx, leg.peer_bare, Side.REMOTE)  # another instance answered or declined
            ending.idle(ctx, session, Record.MISSED)
        return
    if "/" in message.to and message.to.lower() != own_full.lower():
        return  # a carbon of something addressed to another instance of this account
    if action.kind == "propose":
        if not message.delayed and action.sid not in ctx.recent:
            _incoming(ctx, sender, action)
        return
    if session is None or leg is None:
        return
    if action.kind == "ringing" and session.outgoing:
        leg.rang.add(sender)
    elif action.kind == "proceed" and session.outgoing:
        placing.proceeded(ctx, session, leg, sender)
    elif action.kind == "reject" and session.outgoing:
        placing.rejected(ctx, session, leg, sender, action)
    elif action.kind == "retract" and not session.outgoing and sender == leg.peer_full:
        if leg.phase is Phase.RINGING:
            ending.stop_calling(ctx, leg.peer_bare, Side.REMOTE)
            ending.idle(ctx, session, Record.MISSED)
        else:
            ending.end(ctx, session, local=False, notify=False)
    elif action.kind == "finish" and sender == leg.peer_full:
        ending.end(ctx, session, local=False, notify=False)


def _incoming(ctx: CallContext, sender: str, action: JmiAction) -> None:
    if ctx.session is not None and ctx.session.sid == action.sid:
        return  # the same propose again (carbon and direct copy)
    if _tie_break(ctx, sender, action):
        return
    if ctx.session is not None or ctx.env.app_state != AppState.NORMAL:
        peer = bare(sender)
        dn = ctx.env.peer_dn(peer)
        ctx.emit(fx.SendJmi(sender, "reject", action.sid, Cause.BUSY, condition="busy"))
        ending.reject_sent(ctx, conf_id_for(action.sid, ctx.env.domain), peer, dn, Cause.BUSY)
        ctx.emit(fx.WriteHistory(Record.MISSED, peer, dn, ctx.now))
        return
    answering.ring(ctx, answering.proposed(ctx, sender, action.sid))


def _tie_break(ctx: CallContext, sender: str, action: JmiAction) -> bool:
    """Both sides proposed to each other at once (XEP-0353): the lower id wins.

    Losing, our own propose is dropped (the peer rejects it with <tie-break/>) and theirs is
    answered at once, since this room wanted that call anyway. Winning, theirs is rejected.
    """
    session = ctx.session
    if session is None or not session.outgoing or session.leg.phase is not Phase.RINGING:
        return False
    if session.leg.peer_bare != bare(sender):
        return False
    if action.sid.encode() < session.sid.encode():
        log.info("simultaneous calls with %s: theirs (%s) wins", sender, action.sid)
        session.leg.phase = Phase.ENDED
        timers.cancel_all(ctx, session)
        ctx.remember(session.sid)
        ctx.session = None
        answering.ring(ctx, answering.proposed(ctx, sender, action.sid))
        answering.accept_quietly(ctx)
    else:
        ctx.emit(fx.SendJmi(sender, "reject", action.sid, condition="expired", tie_break=True))
    return True
