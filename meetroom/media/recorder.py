"""A local recording: the video layout as the screen shows it plus the mixed audio, into one MP4.

Pictures: every 1/FPS s the recorder takes the layout (the video matrix: which slot is where on
the main window) and the newest frame of each slot from the frame store, and draws them onto a
1280x720 canvas in the same arrangement. Sound: each source (the room's microphone, each
participant's received audio) pushes 48 kHz mono samples; the recorder mixes them on its own
clock, a source that has nothing ready counting as silence. H.264 (libx264) and AAC, encoded on a
thread of the recording's own so the event loop only hands over references.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image

from meetroom.core.tasks import cancel_and_wait
from meetroom.media.audio import RATE
from meetroom.media.framestore import FrameStore, to_rgb

log = logging.getLogger(__name__)

WIDTH, HEIGHT, FPS = 1280, 720, 15
MAX_BUFFERED = RATE  # a source keeps at most 1 s of samples waiting (a stalled mixer drops the oldest)
Layout = Callable[[], dict[str, Any]]  # the body of getVideoMatrix: mainWindowWidth/Height, participants


class AudioSource:
    """Samples waiting to be mixed; fed on the event loop, read by the recorder's clock."""

    def __init__(self) -> None:
        self._chunks: deque[np.ndarray] = deque()
        self._count = 0
        self._resampler: av.AudioResampler | None = None

    def push(self, samples: np.ndarray) -> None:
        chunk = np.asarray(samples, np.int16).reshape(-1)
        self._chunks.append(chunk)
        self._count += chunk.size
        while self._count > MAX_BUFFERED and self._chunks:
            self._count -= self._chunks.popleft().size

    def push_frame(self, frame: av.AudioFrame) -> None:
        """A decoded frame of any rate and layout (what aiortc's decoders give)."""
        if self._resampler is None:
            self._resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        for out in self._resampler.resample(frame):
            self.push(out.to_ndarray().reshape(-1))

    def take(self, count: int) -> np.ndarray:
        """`count` samples, silence where the source had none."""
        out = np.zeros(count, np.int32)
        filled = 0
        while filled < count and self._chunks:
            chunk = self._chunks[0]
            n = min(count - filled, chunk.size)
            out[filled : filled + n] = chunk[:n]
            filled += n
            if n == chunk.size:
                self._chunks.popleft()
            else:
                self._chunks[0] = chunk[n:]
            self._count -= n
        return out


def fit(frame: np.ndarray, width: int, height: int) -> tuple[np.ndarray, int, int]:
    """The frame scaled to fit width x height with its aspect kept, and its offset in that box."""
    fh, fw = frame.shape[:2]
    scale = min(width / fw, height / fh)
    w, h = max(2, int(fw * scale)), max(2, int(fh * scale))
    resized = np.asarray(Image.fromarray(frame).resize((w, h), Image.Resampling.BILINEAR))
    return resized, (width - w) // 2, (height - h) // 2


def compose(layout: dict[str, Any], pictures: dict[str, np.ndarray]) -> np.ndarray:
    """The main window's arrangement of `pictures` (by slot id) drawn on a WIDTH x HEIGHT canvas."""
    canvas = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    window_w = max(1, int(layout.get("mainWindowWidth") or WIDTH))
    window_h = max(1, int(layout.get("mainWindowHeight") or HEIGHT))
    scale = min(WIDTH / window_w, HEIGHT / window_h)
    ox, oy = (WIDTH - window_w * scale) / 2, (HEIGHT - window_h * scale) / 2
    for slot in layout.get("participants", []):
        picture = pictures.get(slot["peerId"])
        left, top = round(ox + slot["left"] * scale), round(oy + slot["top"] * scale)
        width, height = round(slot["width"] * scale), round(slot["height"] * scale)
        width, height = min(width, WIDTH - left), min(height, HEIGHT - top)
        if picture is None or width < 2 or height < 2:
            continue
        tile, dx, dy = fit(picture, width, height)
        canvas[top + dy : top + dy + tile.shape[0], left + dx : left + dx + tile.shape[1]] = tile
    return canvas


class Mp4Writer:
    """The file itself: one H.264 stream and one AAC stream (used from the recording's thread)."""

    def __init__(self, path: Path) -> None:
        self.container = av.open(str(path), mode="w", format="mp4")
        self.video = self.container.add_stream("libx264", rate=FPS)
        self.video.width, self.video.height, self.video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        self.video.options = {"preset": "veryfast", "tune": "zerolatency"}
        self.audio = self.container.add_stream("aac", rate=RATE, layout="mono")
        self.audio_pts = 0

    def picture(self, rgb: np.ndarray, index: int) -> None:
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = index
        frame.time_base = Fraction(1, FPS)
        for packet in self.video.encode(frame):
            self.container.mux(packet)

    def sound(self, samples: np.ndarray) -> None:
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = self.audio_pts
        frame.time_base = Fraction(1, RATE)
        self.audio_pts += samples.size
        for packet in self.audio.encode(frame):
            self.container.mux(packet)

    def close(self) -> None:
        for stream in (self.video, self.audio):
            with contextlib.suppress(av.error.FFmpegError):
                for packet in stream.encode(None):
                    self.container.mux(packet)
        self.container.close()


class Recording:
    """One recording from start() to stop(): a clock on the event loop, an encoder thread."""

    def __init__(
        self, path: Path, frames: FrameStore, layout: Layout, include: Callable[[str], bool] = lambda slot: True
    ) -> None:
        self.path = path
        self.frames = frames
        self.layout = layout
        self.include = include  # whose picture may be recorded (the others' slots stay black)
        self.sources: dict[str, AudioSource] = {}
        self.started = 0.0
        self.frames_written = 0
        self._jobs: queue.Queue[tuple[str, Any] | None] = queue.Queue(maxsize=FPS * 4)
        self._thread = threading.Thread(target=self._encode, name="recording", daemon=True)
        self._clock: asyncio.Task | None = None
        self._samples = 0
        self.error: str = ""

    def source(self, name: str) -> AudioSource:
        """The audio source called `name`, made on first use (the mixer reads all of them)."""
        return self.sources.setdefault(name, AudioSource())

    def drop_source(self, name: str) -> None:
        self.sources.pop(name, None)

    def start(self) -> None:
        self.started = time.monotonic()
        self._writer = Mp4Writer(self.path)
        self._thread.start()
        self._clock = asyncio.get_running_loop().create_task(self._tick(), name="recording-clock")

    @property
    def duration(self) -> float:
        return time.monotonic() - self.started if self.started else 0.0

    async def _tick(self) -> None:
        index = 0
        while True:
            elapsed = time.monotonic() - self.started
            due = int(elapsed * FPS)
            if due >= index:
                pictures = {}
                layout = self.layout()
                for slot in layout.get("participants", []):
                    if not self.include(slot["peerId"]):
                        continue
                    got = self.frames.latest(slot["peerId"])
                    if got is not None:
                        pictures[slot["peerId"]] = got[0]
                self._put(("picture", (layout, pictures, index)))
                index = due + 1
            wanted = int(elapsed * RATE) - self._samples
            if wanted > 0:
                mixed = sum((s.take(wanted) for s in list(self.sources.values())), np.zeros(wanted, np.int32))
                self._put(("sound", np.clip(mixed, -32768, 32767).astype(np.int16)))
                self._samples += wanted
            await asyncio.sleep(max(0.005, (index / FPS) - (time.monotonic() - self.started)))

    def _put(self, job: tuple[str, Any]) -> None:
        try:
            self._jobs.put_nowait(job)
        except queue.Full:  # the encoder fell behind: a picture is skipped, sound never is
            if job[0] == "sound":
                self._jobs.put(job)

    def _encode(self) -> None:
        writer = self._writer
        try:
            while (job := self._jobs.get()) is not None:
                kind, data = job
                if kind == "picture":
                    layout, pictures, index = data
                    writer.picture(compose(layout, {k: to_rgb(v) for k, v in pictures.items()}), index)
                    self.frames_written += 1
                else:
                    writer.sound(data)
        except Exception as exc:  # a failing encoder ends the file, not the room
            log.exception("recording to %s failed", self.path)
            self.error = str(exc)
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def stop(self) -> float:
        """End the file; returns the recorded seconds."""
        duration = self.duration
        await cancel_and_wait(self._clock)
        await asyncio.to_thread(self._jobs.put, None)
        await asyncio.to_thread(self._thread.join)
        return math.floor(duration * 10) / 10
