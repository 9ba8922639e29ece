"""`meetroom peer`: a room calls a real peer process, which answers by itself and sends its video file."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import numpy as np

from meetroom.media.filesource import FileSource
from tests.support.calls import remote_frame, start_rooms, wait_state
from tests.support.peer import FILE_BLUE, FILE_GREEN, make_video_file, start_peer
from tests.support.prosody import new_account, prosody  # noqa: F401


async def test_room_calls_a_peer_and_gets_its_video_file(prosody, room_factory, connect, tmp_path):  # noqa: F811
    video = make_video_file(tmp_path / "known.mp4")
    name, password = new_account(prosody, "peer")
    peer = start_peer(tmp_path, prosody.port, name, password, str(video), "--auto-answer")
    try:
        online = peer.wait_line("peer online as ")
        assert online == f"peer online as {name}@localhost"
        (room,) = await start_rooms(prosody, room_factory, connect, count=1)

        assert (await room.client.call("call", peerId=name))["result"] is True
        accepted = await room.client.wait_event("peerAccepted", timeout=15)
        await room.client.wait_event("conferenceCreated", timeout=15)
        await wait_state(room.client, 5)
        peer.wait_line(f"peer answered {room.call_id}")
        peer_full = accepted["peerId"]
        assert peer_full.startswith(f"{name}@localhost/")

        first, seq = await remote_frame(room, peer_full, timeout=10)
        # the file's colour, not the test pattern: little green, much blue
        mean = first.reshape(-1, 3).mean(axis=0)
        assert abs(mean[1] - FILE_GREEN) < 25 and abs(mean[2] - FILE_BLUE) < 25, mean
        deadline = asyncio.get_running_loop().time() + 5
        while True:  # live: later frames arrive and the picture moves
            later, later_seq = await remote_frame(room, peer_full)
            moved = abs(float(later[..., 0].mean()) - float(first[..., 0].mean())) > 5
            if (later_seq > seq and moved) or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.2)
        assert later_seq > seq and moved, (seq, later_seq)

        assert (await room.client.call("hangUp"))["result"] is True
        await wait_state(room.client, 3)
    finally:
        peer.stop()
    assert peer.proc.returncode == 0, peer.text


async def test_peer_says_why_it_cannot_log_in_and_refuses_a_bad_file(prosody, tmp_path):  # noqa: F811
    name, _ = new_account(prosody, "peer")
    peer = start_peer(tmp_path, prosody.port, name, "wrong-password", "pattern")
    try:
        assert "failed" in peer.wait_line(f"peer: login as {name} failed")
    finally:
        peer.stop()
    not_video = tmp_path / "notes.txt"
    not_video.write_text("not a video")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "meetroom",
            "peer",
            "--server",
            "127.0.0.1:1",
            "--login",
            "x",
            "--password",
            "y",
            "--camera",
            str(not_video),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0 and "cannot decode video" in done.stderr


def test_file_source_keeps_the_file_pace_and_loops(tmp_path):
    video = make_video_file(tmp_path / "pace.mp4", seconds=1.0, fps=10, size=(64, 48))
    now = [0.0]
    source = FileSource(str(video), 32, 24, clock=lambda: now[0])
    reds = []
    for t in (0.0, 0.04, 0.1, 0.55, 0.96, 1.0, 1.1):
        now[0] = t
        frame = source.read()
        assert frame.shape == (24, 32, 3)
        reds.append(int(np.round(frame[..., 0].mean())))
    assert reds[0] == reds[1]  # asked early: the same picture again
    assert reds[0] < reds[2] < reds[3] < reds[4]  # frames follow the clock, skipping when asked late
    assert abs(reds[5] - reds[0]) <= 4 and reds[6] > reds[5]  # the end: from the start again
    source.close()
