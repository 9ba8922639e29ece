"""NDI send and receive: CPU and frames delivered at 1280x720@30, and receive -> self view latency.

Everything runs inside a network namespace of its own with only loopback (tests/support/netns.py:
avahi and D-Bus there too), never on the machine's network. Figures, each beside a baseline
measured in the same run:
- room send: the room's CPU (cores) while it captures its 1280x720@30 self view for a holder
  (baseline: broadcast selfie at 30 frames/s) and while it also publishes it with createNDIDevice;
  frames/s a receiver in this process gets from that source;
- library send: this process's CPU sending pre-rendered 1280x720 frames at 30/s through
  meetroom.media.ndilib (baseline: the same loop converting the frames to RGBX without sending);
- latency: a frame number drawn into the picture of an NDI source selected as the room's camera,
  from send to seen in /frames/ self view (baseline: the same frames straight from an NDI
  receiver in this process, no room in between).

Run: python bench/ndi_bench.py [seconds per figure]   (root: it makes the namespace)
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.figures import summary  # noqa: E402
from meetroom.media.ndioutputs import to_rgbx  # noqa: E402
from tests.support.netns import run_isolated, unavailable  # noqa: E402

WIDTH, HEIGHT, FPS = 1280, 720, 30
BITS = 16
CELL = 64


# --- frame numbers drawn into pictures --------------------------------------------------------------
def numbered(n: int) -> np.ndarray:
    """A grey picture with `n` as a row of black/white cells (survives NDI and JPEG compression)."""
    img = np.full((HEIGHT, WIDTH, 3), 128, np.uint8)
    for bit in range(BITS):
        x = 64 + bit * (CELL + 8)
        img[300 : 300 + CELL, x : x + CELL] = 255 if (n >> bit) & 1 else 0
    return img


def number_in(img: np.ndarray) -> int:
    n = 0
    for bit in range(BITS):
        x = 64 + bit * (CELL + 8) + CELL // 2
        if img[300 + CELL // 2, x].mean() > 128:
            n |= 1 << bit
    return n


def room_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- inside the namespace ---------------------------------------------------------------------------
class Counter(threading.Thread):
    """Counts the video frames one NDI source delivers to a receiver in this process."""

    def __init__(self, source: str) -> None:
        super().__init__(daemon=True)
        from meetroom.media import ndilib

        self.ndi = ndilib.load()
        create = self.ndi.RecvCreateV3()
        self.receiver = self.ndi.recv_create_v3(create)
        found = self.ndi.Source()
        found.ndi_name = source
        self.ndi.recv_connect(self.receiver, found)
        self.frames = 0
        self.halt = threading.Event()

    def run(self) -> None:
        ndi = self.ndi
        while not self.halt.is_set():
            kind, video, audio, metadata = ndi.recv_capture_v2(self.receiver, 100)
            if kind == ndi.FRAME_TYPE_VIDEO:
                self.frames += 1
                ndi.recv_free_video_v2(self.receiver, video)
            elif kind == ndi.FRAME_TYPE_AUDIO:
                ndi.recv_free_audio_v2(self.receiver, audio)
            elif kind == ndi.FRAME_TYPE_METADATA:
                ndi.recv_free_metadata(self.receiver, metadata)

    def stop(self) -> None:
        self.halt.set()
        self.join(5)
        self.ndi.recv_destroy(self.receiver)


class NumberedSource(threading.Thread):
    """An NDI source sending numbered frames at 30/s; `sent[n]` is when frame n went out."""

    def __init__(self, name: str) -> None:
        super().__init__(daemon=True)
        from meetroom.media import ndilib

        self.sender = ndilib.Sender(name)
        self.sent: dict[int, float] = {}
        self.halt = threading.Event()

    def run(self) -> None:
        n, next_at = 1, time.monotonic()
        while not self.halt.is_set():
            picture = to_rgbx(numbered(n))
            self.sent[n] = time.monotonic()
            self.sender.send_video(picture, FPS)
            n += 1
            next_at += 1 / FPS
            self.halt.wait(max(0.0, next_at - time.monotonic()))

    def stop(self) -> None:
        self.halt.set()
        self.join(5)
        self.sender.close()


def find(suffix: str, timeout: float = 10.0) -> str:
    from meetroom.media import ndilib

    finder = ndilib.Finder()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name in finder.wait(500):
                if name.endswith(f"({suffix})"):
                    return name
    finally:
        finder.close()
    raise TimeoutError(f"no NDI source '{suffix}'")


def library_send(seconds: float) -> tuple[float, float, float, float]:
    """(baseline cores, NDI cores, frames/s sent, frames/s delivered) for pre-rendered 1280x720 frames."""
    from meetroom.media import ndilib
    from meetroom.media.pattern import TestPattern

    frames = [TestPattern(WIDTH, HEIGHT, "bench").render(i / FPS) for i in range(FPS)]

    def loop(send: object) -> tuple[float, int]:
        count, start, cpu = 0, time.monotonic(), time.process_time()
        next_at = start
        while time.monotonic() - start < seconds:
            rgbx = to_rgbx(frames[count % FPS])  # what the room's NDI output does per frame
            if send is not None:
                send(rgbx, FPS)  # type: ignore[operator]
            count += 1
            next_at += 1 / FPS
            time.sleep(max(0.0, next_at - time.monotonic()))
        return (time.process_time() - cpu) / (time.monotonic() - start), count

    baseline, _ = loop(None)
    sender = ndilib.Sender("bench library send")
    counter = Counter(find("bench library send"))
    counter.start()
    time.sleep(0.5)
    before = counter.frames
    cores, sent = loop(sender.send_video)
    delivered = (counter.frames - before) / seconds
    counter.stop()
    sender.close()
    return baseline, cores, sent / seconds, delivered


async def room_figures(scratch: Path, seconds: float) -> dict[str, object]:
    from meetroom.client import RoomClient
    from tests.support.media import frames_url, get
    from tests.support.process import RoomProcess

    room = RoomProcess(scratch / "room")
    room.start()
    try:
        assert room.proc is not None
        print(f'{{"pid": {room.proc.pid}}}', flush=True)
        client = RoomClient("127.0.0.1", room.http_port)
        await client.connect()
        await client.auth()
        assert (await client.call("setNDIState", enabled=True))["result"]
        pid = room.proc.pid

        async def cores_over(span: float) -> float:
            cpu0, t0 = room_cpu(pid), time.monotonic()
            await asyncio.sleep(span)
            return (room_cpu(pid) - cpu0) / (time.monotonic() - t0)

        # room send: self view captured at 30/s for a holder, then also published over NDI
        assert (await client.call("setBroadcastSelfie", enabled=True, fps=FPS))["result"]
        await asyncio.sleep(1)
        capture_only = await cores_over(seconds)
        assert (await client.call("createNDIDevice", deviceId="#self:0"))["result"]
        created = await client.wait_event("NDIDeviceCreated", timeout=10)
        counter = Counter(await asyncio.to_thread(find, created["displayName"]))
        counter.start()
        await asyncio.sleep(1)
        before = counter.frames
        with_ndi = await cores_over(seconds)
        delivered = (counter.frames - before) / seconds
        counter.stop()
        assert (await client.call("deleteNDIDevice", deviceId="#self:0"))["result"]
        assert (await client.call("setBroadcastSelfie", enabled=False))["result"]

        # latency: numbered frames from an NDI source, (1) straight to a receiver here, (2) through the room
        source = NumberedSource("bench numbered")
        source.start()
        name = await asyncio.to_thread(find, "bench numbered")
        direct = await asyncio.to_thread(direct_latency, source, name, seconds)
        hardware = await client.call("getHardware")
        device = next(d for d in hardware["videoCapturers"] if d["name"] == name)
        assert (await client.call("setVideoCapturer", name=device["name"], description=device["description"]))["result"]
        from PIL import Image

        url = frames_url(room.http_port, client.http_token)
        through_room: list[float] = []
        fetches: list[float] = []
        seen: set[int] = set()
        deadline = time.monotonic() + seconds + 2
        while time.monotonic() < deadline:
            t0 = time.monotonic()
            status, body, _ = await get(url)
            arrived = time.monotonic()
            fetches.append(arrived - t0)
            if status != 200:
                continue
            n = number_in(np.asarray(Image.open(io.BytesIO(body)).convert("RGB")))
            if n in source.sent and n not in seen and time.monotonic() > deadline - seconds:
                seen.add(n)
                through_room.append(arrived - source.sent[n])
        source.stop()
        await client.close()
        return {
            "capture_only": capture_only,
            "with_ndi": with_ndi,
            "delivered": delivered,
            "direct": direct,
            "through_room": through_room,
            "fetches": fetches,
        }
    finally:
        room.stop()
        if room.proc is not None:
            print(f'{{"stopped": {room.proc.pid}}}', flush=True)


def direct_latency(source: NumberedSource, name: str, seconds: float) -> list[float]:
    from meetroom.media import ndilib

    receiver = ndilib.Receiver(name)
    out: list[float] = []
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            frame = receiver.latest_video(1.0)
            if frame is None:
                continue
            now = time.monotonic()
            n = number_in(frame)
            if n in source.sent and n not in seen:
                seen.add(n)
                out.append(now - source.sent[n])
    finally:
        receiver.close()
    return out


def inside(seconds: float) -> None:
    from tests.support.netns import Mdns

    scratch = Path(tempfile.mkdtemp(prefix="ndi-bench-"))
    mdns = Mdns(scratch / "mdns")
    try:
        for pid in mdns.start():
            print(f'{{"pid": {pid}}}', flush=True)
        base, cores, sent, delivered = library_send(seconds)
        print(f"library send 1280x720@30: {cores:.3f} cores (baseline, frames converted but not sent: {base:.3f})")
        print(f"  frames/s sent {sent:.1f}, delivered to a receiver {delivered:.1f}")
        room = asyncio.run(room_figures(scratch, seconds))
        print(
            f"room send of its 1280x720@30 self view: {room['with_ndi']:.3f} cores "
            f"(baseline, self view captured at 30/s without NDI: {room['capture_only']:.3f})"
        )
        print(f"  frames/s delivered to a receiver {room['delivered']:.1f}")
        direct, through = room["direct"], room["through_room"]
        print(f"latency NDI source -> receiver here ({len(direct)} frames, baseline): {summary(direct)}")  # type: ignore[arg-type]
        print(f"latency NDI source -> room camera -> /frames/ ({len(through)} frames): {summary(through)}")  # type: ignore[arg-type]
        print(f"  of which one /frames/ request takes: {summary(room['fetches'])}")  # type: ignore[arg-type]
    finally:
        mdns.stop()
        for proc in mdns.procs:
            print(f'{{"stopped": {proc.pid}}}', flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seconds", nargs="?", type=float, default=5.0)
    parser.add_argument("--inside", action="store_true", help="(internal) already inside the namespace")
    args = parser.parse_args()
    if args.inside:
        inside(args.seconds)
        return
    why = unavailable()
    if why:
        sys.exit(f"ndi_bench: {why}")
    run = run_isolated("bench.ndi_bench", [str(args.seconds), "--inside"], 120 + 10 * args.seconds)
    sys.stdout.write("".join(line + "\n" for line in run.stdout.splitlines() if not line.startswith("{")))
    if run.code:
        sys.exit(f"ndi_bench failed:\n{run.stderr[-3000:]}")


if __name__ == "__main__":
    main()
