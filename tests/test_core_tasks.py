"""Background work helpers (core/tasks.py), in process."""

from __future__ import annotations

import asyncio
import threading

import pytest

from meetroom.core.tasks import TaskSet, in_own_thread


async def test_own_thread_work_finishes_while_every_executor_worker_is_blocked():
    release = threading.Event()
    # more jobs than the default executor's largest pool (32 workers): some are still queued
    blockers = [asyncio.ensure_future(asyncio.to_thread(release.wait, 10)) for _ in range(64)]
    try:
        names = await asyncio.wait_for(in_own_thread(lambda: threading.current_thread().name, "probe"), 5)
        assert names == "probe"
        assert not any(blocker.done() for blocker in blockers)
    finally:
        release.set()
        await asyncio.gather(*blockers)


async def test_own_thread_errors_reach_the_caller():
    def fail() -> None:
        raise OSError("device gone")

    with pytest.raises(OSError, match="device gone"):
        await asyncio.wait_for(in_own_thread(fail, "failing"), 5)


async def test_a_cancelled_wait_leaves_the_loop_sane():
    release = threading.Event()
    waiting = asyncio.ensure_future(in_own_thread(lambda: release.wait(5), "slow"))
    await asyncio.sleep(0)
    waiting.cancel()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await asyncio.wait_for(in_own_thread(lambda: 7, "after"), 5) == 7


async def test_task_set_forgets_finished_tasks_and_cancels_the_rest():
    tasks = TaskSet()
    quick = tasks.spawn(asyncio.sleep(0))
    slow = tasks.spawn(asyncio.sleep(60))
    await quick
    await asyncio.sleep(0)
    assert list(tasks) == [slow]
    tasks.cancel_all()
    with pytest.raises(asyncio.CancelledError):
        await slow
