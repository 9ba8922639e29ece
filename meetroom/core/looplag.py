"""How late the event loop runs what it was asked to run: a ticker that sleeps and measures overshoot.

A handler that blocks the loop (a slow encode, a synchronous call) delays every reply and
notification; the delay shows here first. /metrics reports it and /health refuses when it is
large. Other once-a-tick samplers (frame rates for /metrics) ride on the same ticker, so an idle
room wakes once per period and no more.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable

from meetroom.core.tasks import cancel_and_wait

log = logging.getLogger(__name__)

PERIOD = 0.5  # seconds between ticks
WINDOW = 60.0  # seconds the recent maximum covers

Sampler = Callable[[float], None]  # called once per tick with the monotonic time


class LoopMonitor:
    def __init__(self, period: float = PERIOD, clock: Callable[[], float] = time.monotonic) -> None:
        self.period = period
        self.clock = clock
        self.lag = 0.0  # seconds, the latest tick
        self.ticks = 0
        self.last_tick = clock()
        self._recent: deque[tuple[float, float]] = deque()  # (time, lag)
        self._samplers: list[Sampler] = []
        self._task: asyncio.Task[None] | None = None

    def add_sampler(self, sampler: Sampler) -> None:
        self._samplers.append(sampler)

    def note(self, now: float, lag: float) -> None:
        """One measured tick (the ticker calls it; tests call it with a fake clock)."""
        self.lag = max(0.0, lag)
        self.ticks += 1
        self.last_tick = now
        self._recent.append((now, self.lag))
        while self._recent and now - self._recent[0][0] > WINDOW:
            self._recent.popleft()
        for sampler in self._samplers:
            try:
                sampler(now)
            except Exception:
                log.exception("loop sampler failed")

    def max_lag(self) -> float:
        """The largest lag of the last WINDOW seconds."""
        return max((lag for _, lag in self._recent), default=0.0)

    def silent_for(self) -> float:
        """Seconds since the last tick: a stuck loop cannot tick, so this grows instead of `lag`."""
        return max(0.0, self.clock() - self.last_tick)

    def start(self) -> None:
        if self._task is None:
            self.last_tick = self.clock()
            self._task = asyncio.create_task(self._run(), name="loop-monitor")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _run(self) -> None:
        while True:
            due = self.clock() + self.period
            await asyncio.sleep(self.period)
            now = self.clock()
            self.note(now, now - due)
