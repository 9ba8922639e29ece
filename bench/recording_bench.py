"""CPU cost of recording a call: two moving 640x360 pictures laid out at 1280x720, two sound sources.

The producers stand in for a call (a test pattern as self view and another as the peer, 30 fps,
and 20 ms of sound each per source); the figure is CPU seconds per wall second (1.0 = one core)
with and without the recording, measured in the same run (baseline: the producers alone), and the
size of the file per recorded second.

Run: python bench/recording_bench.py [seconds]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from meetroom.media.audio import ToneMicrophone
from meetroom.media.framestore import SELF, FrameStore
from meetroom.media.pattern import TestPattern
from meetroom.media.recorder import Recording

DURATION = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
PEER = "peer@bench/1"
LAYOUT = {
    "mainWindowWidth": 1920,
    "mainWindowHeight": 1080,
    "participants": [
        {"peerId": SELF, "left": 0, "top": 270, "width": 960, "height": 540},
        {"peerId": PEER, "left": 960, "top": 270, "width": 960, "height": 540},
    ],
}


async def produce(frames: FrameStore, recording: Recording | None, seconds: float) -> None:
    patterns = {SELF: TestPattern(640, 360, "self"), PEER: TestPattern(640, 360, "peer")}
    mics = {SELF: ToneMicrophone(), PEER: ToneMicrophone()}
    end = time.monotonic() + seconds
    tick = 0
    while time.monotonic() < end:
        if tick % 3 == 0:  # 30 fps of pictures, 50 Hz of sound
            for key, pattern in patterns.items():
                frames.put(key, pattern.render())
        if recording is not None:
            for key, mic in mics.items():
                recording.source(key).push(mic.read())
        tick += 2
        await asyncio.sleep(0.02)


async def measure(record: bool) -> tuple[float, int]:
    frames = FrameStore()
    frames.bind_loop(asyncio.get_running_loop())
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "bench.mp4"
        recording = Recording(path, frames, lambda: LAYOUT) if record else None
        if recording is not None:
            recording.start()
        cpu, wall = time.process_time(), time.monotonic()
        await produce(frames, recording, DURATION)
        used = (time.process_time() - cpu) / (time.monotonic() - wall)
        if recording is not None:
            await recording.stop()
            return used, path.stat().st_size
    return used, 0


async def main() -> None:
    plain, _ = await measure(False)
    cores, size = await measure(True)
    print(
        f"recording 1280x720@15 + AAC: {cores:.3f} cores (producers alone {plain:.3f}), "
        f"{size / DURATION / 1024:.0f} KiB per second"
    )


if __name__ == "__main__":
    asyncio.run(main())
