"""Picture work runs below the control API's priority (media/priority.py): in-process, and in a
real call, by the nice values /proc gives each of the room's threads."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from meetroom.media.priority import MEDIA_NICENESS, run_lowered
from tests.support.calls import connected_call, remote_frame, start_rooms
from tests.support.prosody import prosody  # noqa: F401


def _niceness(pid: int, tid: int) -> int:
    stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
    return int(stat.rpartition(")")[2].split()[16])  # field 19, counted after the command name


def test_picture_work_runs_lowered_and_the_caller_keeps_its_priority():
    base = os.getpriority(os.PRIO_PROCESS, os.getpid())
    caller = threading.get_native_id()
    seen = run_lowered(lambda: (threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, 0)))
    assert seen[0] != caller and seen[1] == min(19, base + MEDIA_NICENESS)
    assert _niceness(os.getpid(), caller) == base
    with pytest.raises(ZeroDivisionError):
        run_lowered(lambda: 1 // 0)  # the work's own error reaches the caller


async def test_in_a_call_the_api_thread_runs_above_the_picture_threads(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    await connected_call(a, b)
    b_full = (await a.client.wait_event("newParticipantInConference", timeout=10))["peerId"]
    await remote_frame(a, b_full, timeout=10)  # encoding, decoding and capture all running
    pid = a.proc.proc.pid
    values = {int(t.name): _niceness(pid, int(t.name)) for t in Path(f"/proc/{pid}/task").iterdir()}
    assert values[pid] == 0, "the control API's thread keeps the normal priority"
    lowered = [tid for tid, value in values.items() if value == MEDIA_NICENESS]
    # the capture, the lowered VP8 encode and the video decoder at least
    assert len(lowered) >= 3, values
    assert (await a.client.call("getAppState"))["appState"] == 5
