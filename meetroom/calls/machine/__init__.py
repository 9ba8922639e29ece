"""Call signalling as a sans-I/O state machine: inputs in, effects out, time passed in.

`CallMachine.handle(input, now)` returns the effects to perform; it never sends, sleeps or
touches a socket, so every path of docs/calls.md is testable with a fake clock
(tests/test_call_machine_*.py). `meetroom.calls.manager.CallManager` is the asyncio driver.
Inside, core.py dispatches each input type to the module that owns it (see docs/calls.md).
"""

from meetroom.calls.machine.core import CallMachine
from meetroom.calls.machine.env import Env
from meetroom.calls.machine.state import Leg, LegKey, Phase, Session, TimerKey

__all__ = ["CallMachine", "Env", "Leg", "LegKey", "Phase", "Session", "TimerKey"]
