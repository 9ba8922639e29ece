"""The call's timers: how long each wait lasts, starting and cancelling them, and their expiry.

A timer belongs to a leg and has a name; the module that starts it owns what its expiry does
(`Expiry`), and `fired` only checks the timer is still wanted before handing it over.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from meetroom.calls.machine import effects as fx
from meetroom.calls.machine import inputs as ev
from meetroom.calls.machine.context import CallContext
from meetroom.calls.machine.state import Leg, Session, TimerKey

NO_RINGING_SECONDS = 5.0  # a propose no resource rings for means nobody can take the call
INITIATE_TIMEOUT = 10.0  # our proceed → the caller's session-initiate
CONNECT_TIMEOUT = 10.0  # offer acknowledged / answer made → media connected
CALLEE_GRACE = 2.0  # the callee rings a little longer than the caller, so the caller's retract wins
TERMINATE_GRACE = 1.0  # lost media → wait this long for the peer's session-terminate before calling it a loss

Expiry = Callable[[CallContext, Session, Leg], None]


def start(ctx: CallContext, session: Session, leg: Leg, name: str, seconds: float) -> None:
    key = TimerKey(leg.key, name)
    session.timers.add(key)
    ctx.emit(fx.StartTimer(key, seconds))


def cancel_all(ctx: CallContext, session: Session) -> None:
    for key in sorted(session.timers, key=lambda k: k.name):
        ctx.emit(fx.CancelTimer(key))
    session.timers.clear()


def fired(ctx: CallContext, fired: ev.TimerFired, expiries: Mapping[str, Expiry]) -> None:
    """A timer went off: if it was neither cancelled nor outlived its call, its owner handles it."""
    session = ctx.session
    if session is None or fired.key not in session.timers:
        return  # cancelled, or a call that is over
    session.timers.discard(fired.key)
    found = ctx.current(fired.key.leg)
    expiry = expiries.get(fired.key.name)
    if found is not None and expiry is not None:
        expiry(ctx, session, found[1])
