"""The call state machine: every transition of docs/calls.md as inputs → effects.

One session at a time (a point-to-point call is one session with one leg). `handle` never does
I/O: what it needs to know about the room it reads from an `Env`, and what it wants done it
returns as effects (machine/effects.py) for the driver to perform in order.

`CallMachine` only dispatches: each input type goes to the function of the module that owns it
(placing, answering, hangup, jmi, jingle, media, ending, timers), which works on the shared
`CallContext` (context.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from meetroom.calls.machine import answering, ending, hangup, jingle, jmi, media, placing, timers
from meetroom.calls.machine import effects as fx
from meetroom.calls.machine import inputs as ev
from meetroom.calls.machine.context import CallContext
from meetroom.calls.machine.env import Env
from meetroom.calls.machine.state import Session

EXPIRIES: dict[str, timers.Expiry] = {**placing.EXPIRIES, **answering.EXPIRIES, **media.EXPIRIES}

HANDLERS: dict[type, Callable[[CallContext, Any], None]] = {
    ev.PlaceCall: placing.place_call,
    ev.Accept: answering.accept,
    ev.Reject: answering.reject,
    ev.HangUp: hangup.hang_up,
    ev.Shutdown: ending.shutdown,
    ev.JmiIn: jmi.jmi,
    ev.JmiBounced: placing.bounced,
    ev.JingleIn: jingle.jingle,
    ev.PeerUnavailable: ending.peer_unavailable,
    ev.NetworkLost: ending.network_lost,
    ev.TimerFired: partial(timers.fired, expiries=EXPIRIES),
    ev.LocalDescription: media.local_description,
    ev.MediaRefused: media.media_refused,
    ev.JingleDelivered: media.delivered,
    ev.MediaConnected: media.media_connected,
    ev.MediaLost: media.media_lost,
    ev.OwnMute: media.own_mute,
}


class CallMachine:
    def __init__(self, env: Env) -> None:
        self.env = env
        self._ctx = CallContext(env)

    @property
    def session(self) -> Session | None:
        """The call there is, if any."""
        return self._ctx.session

    @property
    def recent(self) -> list[str]:
        """Sids of ended calls: late stanzas for them are acknowledged quietly."""
        return self._ctx.recent

    def normalise(self, peer: str) -> str:
        """The peer as the machine names it (InstanceId or CallId); a bad one raises CallError."""
        return placing.normalise(self.env, peer)

    def handle(self, event: ev.Input, now: float) -> list[fx.Effect]:
        """Apply one input at wall-clock time `now`; a refused command raises CallError instead."""
        self._ctx.begin(now)
        HANDLERS[type(event)](self._ctx, event)
        return self._ctx.take()
