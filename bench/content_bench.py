"""CPU cost of content sharing: a loopback call with and without a shared X screen, in one run.

Both ends of a call live in this process (two aiortc peer connections on 127.0.0.1): a 640x360
test pattern at 30 fps as the camera, received and decoded. Then the same call renegotiates a
second, sendonly video the way a content-add does and sends the private Xvfb display (1280x720,
a moving pattern window on it) through meetroom's ContentProducer (x11grab, 10 fps) and
ContentTrack; the far end decodes it. The figure is CPU seconds per wall second (1.0 = one core)
of the whole process: baseline (the call alone) and with content, measured in the same run.

Run: python bench/content_bench.py [seconds]   (needs Xvfb, xwininfo and tkinter)
"""

from __future__ import annotations

import asyncio
import fractions
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiortc.mediastreams import MediaStreamTrack

from meetroom.media.content import ContentProducer, ContentTrack
from meetroom.media.desktop import SCREEN_ID, list_display
from meetroom.media.framestore import FrameStore
from meetroom.media.pattern import TestPattern
from meetroom.media.rtc import create_peer_connection
from tests.support import xdisplay

DURATION = float(sys.argv[1]) if len(sys.argv) > 1 else 8.0


class PatternTrack(MediaStreamTrack):
    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self.pattern = TestPattern(640, 360, "camera")
        self.start = time.monotonic()
        self.n = 0

    async def recv(self):
        import av

        self.n += 1
        await asyncio.sleep(max(0.0, self.start + self.n / 30 - time.monotonic()))
        frame = av.VideoFrame.from_ndarray(self.pattern.render(), format="rgb24")
        frame.pts, frame.time_base = self.n * 3000, fractions.Fraction(1, 90000)
        return frame


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def negotiate(a, b) -> None:
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)


async def measure(seconds: float) -> float:
    before, start = cpu(), time.monotonic()
    await asyncio.sleep(seconds)
    return (cpu() - before) / (time.monotonic() - start)


async def main() -> None:
    a, b = create_peer_connection(["127.0.0.1"]), create_peer_connection(["127.0.0.1"])
    counts: dict[str, int] = {}
    readers: list[asyncio.Task] = []

    def on_track(track) -> None:
        async def read() -> None:
            try:
                while True:
                    await track.recv()
                    counts[track.id] = counts.get(track.id, 0) + 1
            except Exception:
                pass

        readers.append(asyncio.ensure_future(read()))

    b.on("track", on_track)
    a.addTrack(PatternTrack())
    await negotiate(a, b)
    await asyncio.sleep(2.0)  # connected, encoder warmed up
    baseline = await measure(DURATION)
    camera_frames = sum(counts.values())

    frames = FrameStore()
    frames.bind_loop(asyncio.get_running_loop())
    producer = ContentProducer(frames)
    screen = next(c for c in list_display() if c.id == SCREEN_ID)
    producer.start_window(screen)
    a.addTransceiver(ContentTrack(frames), direction="sendonly")
    await negotiate(a, b)
    await asyncio.sleep(2.0)
    counts.clear()
    with_content = await measure(DURATION)
    producer.stop()
    await a.close()
    await b.close()
    print(f"call alone (640x360@30 camera, sent + decoded): {baseline:.3f} cores ({camera_frames} frames)")
    print(f"call + content (1280x720 screen, x11grab 10 fps, sent + decoded): {with_content:.3f} cores")
    added = with_content - baseline
    print(f"content sharing adds: {added:.3f} cores; frames received per track: {sorted(counts.values())}")


if __name__ == "__main__":
    shown = xdisplay.start_display("1280x720x24")
    try:
        xdisplay.show_pattern(shown)
        os.environ["DISPLAY"] = shown.name
        asyncio.run(main())
    finally:
        shown.stop()
