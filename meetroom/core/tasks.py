"""Background tasks an object starts and forgets, but must be able to cancel when it closes.

asyncio keeps only weak references to running tasks, so a task nobody holds can vanish
mid-flight; a TaskSet holds each one until it finishes, and hands the live ones to `close`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any


class TaskSet:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run `coro` in the background; the set forgets it once it is done."""
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def __iter__(self) -> Iterator[asyncio.Task[Any]]:
        """A snapshot of the running tasks, safe to cancel while iterating."""
        return iter(list(self._tasks))

    def cancel_all(self) -> None:
        for task in self:
            task.cancel()
