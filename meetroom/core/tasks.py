"""Background tasks an object starts and forgets, but must be able to cancel when it closes.

asyncio keeps only weak references to running tasks, so a task nobody holds can vanish
mid-flight; a TaskSet holds each one until it finishes, and hands the live ones to `close`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


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


async def in_own_thread(work: Callable[[], T], name: str) -> T:
    """Run blocking `work` in a thread started for it alone.

    For the rare calls that must finish promptly however busy the default executor is (a device
    that is deleted has to be gone in bounded time even while every worker is converting frames).
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if done.cancelled():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            result = work()
        except BaseException as error:  # handed to the awaiting task, raised there
            loop.call_soon_threadsafe(settle, None, error)
        else:
            loop.call_soon_threadsafe(settle, result, None)

    threading.Thread(target=run, name=name, daemon=True).start()
    return await done
