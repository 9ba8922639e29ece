"""NDI out: one NDI source per created device, fed from the frame store or composed like the screen.

A feed says where a device's pictures come from: one frame store key (self view, a participant's
decoded video), a still picture (the content stream), or the layout composed from every visible
slot (#mixed:0). `Output` pumps its feed into an `ndilib.Sender` on the event loop, handing the
pixel work (conversion, composing, the NDI encode) to threads; a sound feed, where there is one,
pumps 20 ms chunks beside it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import av
import numpy as np
from av.video.reformatter import VideoReformatter
from PIL import Image

from meetroom.core.tasks import cancel_all_and_wait, in_own_thread
from meetroom.media import images, ndilib
from meetroom.media.framestore import Frame, FrameStore, to_video_frame

log = logging.getLogger(__name__)

STILL_FPS = 5  # receivers expect a steady stream even of a still picture
MIXED_FPS = 25
MIXED_SIZE = (1280, 720)
AUDIO_RATE = 48000
AUDIO_CHUNK = 960  # 20 ms
WAIT = 1.0  # seconds a feed waits for a new frame before it looks again (has its peer gone?)


class VideoFeed(Protocol):
    fps: int

    async def next(self) -> Frame | None:
        """The next picture to send, or None when there is nothing new (yet)."""
        ...

    def close(self) -> None: ...


class StoreFeed:
    """Frames of one frame store key, each sent once; `key()` is None while the source is away."""

    def __init__(self, frames: FrameStore, key: Callable[[], str | None], fps: Callable[[], int]) -> None:
        self.frames = frames
        self.key = key
        self._fps = fps
        self._seen: tuple[str, int] = ("", 0)

    @property
    def fps(self) -> int:
        return self._fps()

    async def next(self) -> Frame | None:
        key = self.key()
        if key is None:
            await asyncio.sleep(WAIT)
            return None
        last = self._seen[1] if self._seen[0] == key else 0
        got = await self.frames.wait_newer(key, last, WAIT)
        if got is None or got[1] == last:
            return None
        self._seen = (key, got[1])
        return got[0]

    def close(self) -> None:
        pass


class StillFeed:
    """A picture that may change at any time (the current slide), sent a few times a second."""

    fps = STILL_FPS

    def __init__(self, picture: Callable[[], np.ndarray]) -> None:
        self.picture = picture

    async def next(self) -> Frame | None:
        await asyncio.sleep(1 / STILL_FPS)
        return await asyncio.to_thread(self.picture)

    def close(self) -> None:
        pass


class MixedFeed:
    """The layout as the screen shows it: every visible slot's newest frame in its rectangle."""

    fps = MIXED_FPS

    def __init__(self, frames: FrameStore, layout: Callable[[], dict[str, Any]], size: tuple[int, int] = MIXED_SIZE):
        self.frames = frames
        self.layout = layout
        self.size = size
        self._next = time.monotonic()

    async def next(self) -> Frame | None:
        self._next = max(self._next + 1 / MIXED_FPS, time.monotonic())
        await asyncio.sleep(max(0.0, self._next - time.monotonic()))
        snapshot = self.layout()
        tiles = [(slot, self.frames.latest(slot["peerId"])) for slot in snapshot.get("participants", [])]
        return await asyncio.to_thread(compose, snapshot, tiles, self.size)

    def close(self) -> None:
        pass


def compose(snapshot: dict[str, Any], tiles: list[tuple[dict[str, Any], Any]], size: tuple[int, int]) -> np.ndarray:
    """Paint each slot's frame (or a placeholder with its name) into its rectangle, all scaled to `size`."""
    width, height = size
    canvas = np.zeros((height, width, 3), np.uint8)
    sx = width / max(1, int(snapshot.get("mainWindowWidth") or width))
    sy = height / max(1, int(snapshot.get("mainWindowHeight") or height))
    for slot, latest in tiles:
        left, top = round(slot["left"] * sx), round(slot["top"] * sy)
        w = min(width - left, round(slot["width"] * sx))
        h = min(height - top, round(slot["height"] * sy))
        if w <= 0 or h <= 0:
            continue
        if latest is None:
            canvas[top : top + h, left : left + w] = images.placeholder(w, h, str(slot.get("peerDn", "")), "No video")
            continue
        picture = pixels(latest[0])
        scale = min(w / picture.shape[1], h / picture.shape[0])  # letterboxed, as the screen draws a slot
        pw, ph = max(1, round(picture.shape[1] * scale)), max(1, round(picture.shape[0] * scale))
        x, y = left + (w - pw) // 2, top + (h - ph) // 2
        scaled = Image.fromarray(picture).resize((pw, ph), Image.Resampling.BILINEAR)
        canvas[y : y + ph, x : x + pw] = np.asarray(scaled)
    return canvas


class SoundFeed(Protocol):
    async def next(self) -> tuple[np.ndarray, int]:
        """The next chunk of sound: float32 samples in -1..1, shape (channels, n), and their rate."""
        ...

    def close(self) -> None: ...


class MicrophoneFeed:
    """The room's selected microphone in real time (silence while it is muted)."""

    def __init__(
        self, reader: tuple[Callable[[], Awaitable[np.ndarray]], Callable[[], None]], muted: Callable[[], bool]
    ) -> None:
        self._read, self._close = reader
        self.muted = muted
        self._next = time.monotonic()

    async def next(self) -> tuple[np.ndarray, int]:
        self._next = max(self._next + AUDIO_CHUNK / AUDIO_RATE, time.monotonic() - 0.1)
        await asyncio.sleep(max(0.0, self._next - time.monotonic()))
        samples = await self._read()
        if self.muted():
            return np.zeros((1, AUDIO_CHUNK), np.float32), AUDIO_RATE
        return (samples.astype(np.float32) / 32768.0).reshape(1, -1), AUDIO_RATE

    def close(self) -> None:
        self._close()


class HeardFeed:
    """Participants' sound as the calls decode it (Media.on_heard), mixed: `wanted(peer_id)` picks whose.

    Each participant's samples wait in their own buffer; every 20 ms one chunk of each participant
    that has one is summed, so two people talking at once are heard at once, at the real rate (a
    single queue would play them one after the other, twice as long). While nobody sends, the feed
    waits instead of sending silence.
    """

    KEEP = AUDIO_RATE // 2  # samples kept per participant: one that stalls loses old sound, not memory

    def __init__(
        self,
        wanted: Callable[[str], bool],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.wanted = wanted
        self.clock, self.sleep = clock, sleep
        self._buffers: dict[str, np.ndarray] = {}  # peer -> float32 (2, n) at AUDIO_RATE
        self._arrived = asyncio.Event()
        self._next = 0.0

    def push(self, peer_id: str, frame: av.AudioFrame) -> None:
        """On the event loop, for every decoded frame of every participant."""
        if not self.wanted(peer_id):
            return
        samples = frame.to_ndarray()
        channels = len(frame.layout.channels)
        if samples.dtype == np.int16:
            samples = samples.astype(np.float32) / 32768.0
        if not frame.format.is_planar:  # packed: one row of interleaved samples
            samples = samples.reshape(-1, channels).T
        self.add(peer_id, np.asarray(samples, dtype=np.float32), frame.sample_rate)

    def add(self, peer_id: str, samples: np.ndarray, rate: int) -> None:
        """Samples (channels, n) in -1..1 heard from one participant."""
        stereo = _as_stereo(_resampled(samples, rate))
        held = self._buffers.get(peer_id)
        joined = stereo if held is None else np.concatenate((held, stereo), axis=1)
        self._buffers[peer_id] = joined[:, -self.KEEP :]
        self._arrived.set()

    async def next(self) -> tuple[np.ndarray, int]:
        while not any(b.shape[1] >= AUDIO_CHUNK for b in self._buffers.values()):
            self._arrived.clear()
            await self._arrived.wait()
        now = self.clock()
        self._next = max(self._next + AUDIO_CHUNK / AUDIO_RATE, now - 0.1)
        await self.sleep(max(0.0, self._next - now))
        return self.mix(), AUDIO_RATE

    def mix(self) -> np.ndarray:
        """One 20 ms chunk: the sum of each participant's next chunk, clipped."""
        out = np.zeros((2, AUDIO_CHUNK), np.float32)
        for peer, held in list(self._buffers.items()):
            if held.shape[1] >= AUDIO_CHUNK:
                out += held[:, :AUDIO_CHUNK]
                self._buffers[peer] = held[:, AUDIO_CHUNK:]
        return np.clip(out, -1.0, 1.0, out=out)

    def close(self) -> None:
        self._buffers.clear()


def _resampled(samples: np.ndarray, rate: int) -> np.ndarray:
    """At AUDIO_RATE (G.711's 8 kHz beside Opus's 48 kHz), by linear interpolation."""
    if rate == AUDIO_RATE or samples.shape[1] == 0:
        return samples
    count = round(samples.shape[1] * AUDIO_RATE / rate)
    positions = np.linspace(0, samples.shape[1] - 1, count)
    index = np.arange(samples.shape[1])
    return np.stack([np.interp(positions, index, row) for row in samples]).astype(np.float32)


def _as_stereo(samples: np.ndarray) -> np.ndarray:
    if samples.shape[0] == 2:
        return samples
    return np.repeat(samples[:1], 2, axis=0) if samples.shape[0] == 1 else samples[:2]


@dataclass
class Output:
    """One created NDI device: its API identity and the pumps that feed its sender."""

    device_id: str
    display_name: str
    mixed_type: str  # "single" or "mixed"
    video: VideoFeed
    sound: SoundFeed | None = None
    on_close: Callable[[], None] = lambda: None
    sender: ndilib.Sender | None = None
    _tasks: list[asyncio.Task] = field(default_factory=list)

    def entry(self) -> dict[str, str]:
        """The fields of NDIDeviceCreated / NDIDeviceDeleted and of getCreatedNDIDevices."""
        return {"deviceId": self.device_id, "displayName": self.display_name, "mixedType": self.mixed_type}

    async def start(self) -> None:
        # it registers with avahi; its own thread, not a turn behind the frame work in the executor
        self.sender = await in_own_thread(lambda: ndilib.Sender(self.display_name), "ndi-sender-open")
        self._tasks.append(asyncio.create_task(self._pump_video(self.sender), name=f"ndi-video {self.device_id}"))
        if self.sound is not None:
            self._tasks.append(asyncio.create_task(self._pump_sound(self.sender), name=f"ndi-sound {self.device_id}"))

    async def _pump_video(self, sender: ndilib.Sender) -> None:
        feed = self.video
        while True:
            try:
                frame = await feed.next()
                if frame is not None:
                    await asyncio.to_thread(_send_video, sender, frame, feed.fps)
            except Exception:  # one bad frame must not end the source
                log.exception("NDI source %s could not send a frame", self.display_name)
                await asyncio.sleep(1 / STILL_FPS)

    async def _pump_sound(self, sender: ndilib.Sender) -> None:
        assert self.sound is not None
        while True:
            samples, rate = await self.sound.next()
            await asyncio.to_thread(sender.send_audio, samples, rate)

    async def close(self) -> None:
        tasks, self._tasks = self._tasks, []
        await cancel_all_and_wait(tasks)
        self.video.close()
        if self.sound is not None:
            self.sound.close()
        if self.sender is not None:
            await in_own_thread(self.sender.close, "ndi-sender-close")
        self.on_close()


_converters = threading.local()


def pixels(frame: Frame, fmt: str = "rgb24") -> np.ndarray:
    """A frame's pixels in `fmt` ("rgb24" or "rgba"), converted with this thread's own swscale context.

    A decoded frame keeps one converter of its own, which is not safe to share: /frames/, the
    mixed picture and a participant's source convert the same frame at once, from different threads.
    """
    if not isinstance(frame, av.VideoFrame):
        if fmt == "rgb24":
            return frame
        frame = to_video_frame(frame)
    converter = getattr(_converters, "reformatter", None)
    if converter is None:
        converter = _converters.reformatter = VideoReformatter()
    return converter.reformat(frame, format=fmt).to_ndarray()


def to_rgbx(frame: Frame) -> np.ndarray:
    """What the NDI sender takes; swscale converts five times faster than numpy's strided copy."""
    return pixels(frame, "rgba")


def _send_video(sender: ndilib.Sender, frame: Frame, fps: int) -> None:
    sender.send_video(to_rgbx(frame), fps)
