"""Background work helpers (core/tasks.py), in process."""

from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest

from meetroom.core.tasks import TaskSet, cancel_all_and_wait, cancel_and_wait, in_own_thread


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


async def _swallowing_the_first_cancel(started: asyncio.Event) -> str:
    """What a task does when a cancel is lost inside it (3.11's wait_for racing a result)."""
    started.set()
    with contextlib.suppress(asyncio.CancelledError):  # lost: the task goes on
        await asyncio.sleep(60)
    await asyncio.sleep(60)
    return "not reached"


async def test_a_task_that_loses_a_cancel_is_cancelled_again_and_ends():
    started = asyncio.Event()
    task = asyncio.create_task(_swallowing_the_first_cancel(started))
    await started.wait()
    assert await asyncio.wait_for(cancel_and_wait(task, wait=0.05), 5) is True
    assert task.cancelled()


async def test_a_task_that_ignores_every_cancel_is_given_up_in_bounded_time():
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await release.wait()

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    assert await asyncio.wait_for(cancel_and_wait(task, tries=3, wait=0.05), 5) is False
    release.set()
    await task


async def test_the_callers_own_cancellation_is_not_swallowed():
    inner_started = asyncio.Event()

    async def slow_cleanup() -> None:
        inner_started.set()
        try:
            await asyncio.sleep(60)
        finally:
            await asyncio.sleep(0.2)

    inner = asyncio.create_task(slow_cleanup())
    await inner_started.wait()
    closing = asyncio.create_task(cancel_and_wait(inner, wait=10))
    await asyncio.sleep(0.01)
    closing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closing
    await asyncio.wait({inner}, timeout=5)
    assert inner.cancelled()


async def test_a_failed_or_finished_task_is_just_collected():
    async def fail() -> None:
        raise OSError("gone")

    failed = asyncio.create_task(fail())
    await asyncio.wait({failed})
    assert await cancel_and_wait(failed) is True
    assert await cancel_and_wait(None) is True
    sleepers = [asyncio.create_task(asyncio.sleep(60)) for _ in range(3)]
    await asyncio.wait_for(cancel_all_and_wait(sleepers), 5)
    assert all(task.cancelled() for task in sleepers)


async def test_a_task_cancelling_itself_is_not_waited_for():
    async def closes_its_owner() -> None:
        assert await cancel_and_wait(asyncio.current_task()) is False
        await asyncio.sleep(60)

    task = asyncio.create_task(closes_its_owner())
    await asyncio.wait({task}, timeout=5)
    assert task.cancelled()
