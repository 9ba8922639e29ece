"""The machine's timers on the event loop: started and cancelled by key, fired back as inputs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable

from meetroom.core.tasks import TaskSet


class KeyedTimers:
    def __init__(self, tasks: TaskSet, fire: Callable[[Hashable], None]) -> None:
        self._tasks = tasks
        self._fire = fire
        self._running: dict[Hashable, asyncio.Task] = {}

    def start(self, key: Hashable, seconds: float) -> None:
        self.cancel(key)
        self._running[key] = self._tasks.spawn(self._wait(key, seconds))

    def cancel(self, key: Hashable) -> None:
        task = self._running.pop(key, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _wait(self, key: Hashable, seconds: float) -> None:
        await asyncio.sleep(seconds)
        if self._running.get(key) is asyncio.current_task():
            del self._running[key]
            self._fire(key)
