"""Background tasks an object starts and forgets, but must be able to cancel when it closes.

asyncio keeps only weak references to running tasks, so a task nobody holds can vanish
mid-flight; a TaskSet holds each one until it finishes, and hands the live ones to `close`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

CANCEL_TRIES = 5
CANCEL_WAIT = 2.0  # seconds a cancelled task gets to finish its cleanup before it is cancelled again


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


async def cancel_and_wait(task: asyncio.Task[Any] | None, tries: int = CANCEL_TRIES, wait: float = CANCEL_WAIT) -> bool:
    """Cancel `task` and wait until it has ended, in bounded time; True once it has.

    A cancel can be lost: Python 3.11's `asyncio.wait_for` returns (or raises) the inner result
    when a cancel races its completion (a connect refused at the moment the room shuts down),
    and the task goes on as if nothing happened. `await task` then waits forever, and a room
    never stopped; so the task is cancelled again, a bounded number of times. The caller's own
    cancellation is never swallowed here, and the task's error is logged, not raised.
    """
    if task is None:
        return True
    if task is asyncio.current_task():  # a task closing its own owner: it ends at its next await
        task.cancel()
        return False
    for _ in range(tries):
        if task.done():
            break
        task.cancel()
        await asyncio.wait({task}, timeout=wait)
    if not task.done():
        log.warning("task %s went on after %d cancellations", task.get_name(), tries)
        return False
    if not task.cancelled() and (error := task.exception()) is not None:
        log.warning("task %s ended with %r", task.get_name(), error)  # it may have failed before the cancel
    return True


async def cancel_all_and_wait(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """`cancel_and_wait` for several tasks at once (one bound for all, not one each)."""
    await asyncio.gather(*(cancel_and_wait(task) for task in tasks))
