"""`HangUp`: what ending a call by hand means depends on how far it got.

Ringing, it is a withdrawal (caller) or a refusal (callee); answered, the call ends.
"""

from __future__ import annotations

from meetroom.calls.causes import Side
from meetroom.calls.errors import CallError
from meetroom.calls.machine import answering, ending, placing
from meetroom.calls.machine import inputs as ev
from meetroom.calls.machine.context import CallContext
from meetroom.calls.machine.state import Phase


def hang_up(ctx: CallContext, _cmd: ev.HangUp) -> None:
    session = ctx.session
    if session is None:
        raise CallError("there is no call to hang up")
    leg = session.leg
    if leg.phase is not Phase.RINGING:
        ending.end(ctx, session, local=True)
        return
    if session.outgoing:
        placing.cancel_outgoing(ctx, session, leg, None, "cancel")
    else:
        answering.refuse(ctx, session, leg)
    ending.stop_calling(ctx, leg.peer_id, Side.LOCAL)
    ending.idle(ctx, session)
