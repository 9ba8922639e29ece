"""The room's camera (and microphone) encoded once per frame, sent on every conference leg.

Why this module exists
----------------------
In a mesh each leg is its own peer connection, and aiortc gives each sender its own encoder:
with N-1 legs the same picture would be converted and VP8-encoded N-1 times, which is what
saturates a small machine in a 4-party conference. aiortc's sender also accepts a track that
delivers already-encoded data (an `av.Packet` instead of a frame): it then only packetises it
(the codec's `pack`, with the leg's own picture id, sequence numbers and SSRC). So one
`SharedStream` reads the camera and encodes each frame once, and every leg sends a `StreamOutlet`,
a track that hands out those encoded frames.

What a shared stream must take care of
--------------------------------------
* A decoder can start only at a key frame: an outlet passes nothing on until one comes, and asks
  for one when its sender starts reading (a leg joining later), when sending resumes, and when
  it had to drop frames because its sender fell behind.
* A key-frame request from any leg (RTCP PLI/FIR reaches that leg's sender; `bind` routes it
  here) makes the next frame a key frame for every leg: several requests before that frame cost
  one key frame.
* An outlet switched off (a participant off the podium) gets nothing, and while no outlet is on
  the camera is not encoded at all.
* The encoder is injected (`FrameEncoder`): the calls layer supplies one whose target is the
  lowest of the legs' governed targets, since one stream goes to every leg.

The microphone is shared the same way (`SharedStream` with `kind="audio"`): every Opus packet
stands alone, so there is no key frame to wait for, and the 20 ms frames are encoded on the
event loop itself, since handing each to a thread would cost more than encoding it.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

log = logging.getLogger(__name__)

VIDEO_TIME_BASE = fractions.Fraction(1, 90000)  # RTP's video clock, the timestamps a video FrameEncoder returns
AUDIO_TIME_BASE = fractions.Fraction(1, 48000)  # Opus's RTP clock
QUEUE_LIMIT = 8  # encoded frames an outlet holds for a slow sender before it drops them and asks for a key frame


class FrameEncoder(Protocol):
    def encode(self, frame: Any, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        """One frame's whole encoded bitstream (empty: nothing this time) and its RTP-clock timestamp."""


def is_key_frame(data: bytes) -> bool:
    """A VP8 frame starts with a tag whose lowest bit is 0 for a key frame (RFC 6386, 9.1)."""
    return bool(data) and not data[0] & 1


class SharedStream:
    """One camera read and one encode per frame, fanned out to the outlets of every leg."""

    def __init__(self, source: Callable[[], MediaStreamTrack], encoder: FrameEncoder, kind: str = "video") -> None:
        self.kind = kind
        self.time_base = VIDEO_TIME_BASE if kind == "video" else AUDIO_TIME_BASE
        self._make_source = source
        self._source: MediaStreamTrack | None = None
        self.encoder = encoder
        self.outlets: list[StreamOutlet] = []
        self._keyframe = False
        self._task: asyncio.Task | None = None
        self._wake = asyncio.Event()
        self.encodes = 0  # frames encoded (tests and logs read them)
        self.keyframes = 0  # of which key frames

    def outlet(self) -> StreamOutlet:
        """A new leg's track; the first one opens the source (the camera warms up while the leg connects)."""
        outlet = StreamOutlet(self)
        self.outlets.append(outlet)
        self.start()
        return outlet

    def request_keyframe(self) -> None:
        """The next frame encoded is a key frame for everyone."""
        self._keyframe = True

    def sending(self) -> bool:
        return any(o.enabled and o.reading for o in self.outlets)

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())
        self.wake()

    def wake(self) -> None:
        self._wake.set()

    def remove(self, outlet: StreamOutlet) -> None:
        with contextlib.suppress(ValueError):
            self.outlets.remove(outlet)
        if not self.outlets:
            self._stop()

    async def close(self) -> None:
        for outlet in list(self.outlets):
            outlet.stop()
        task = self._stop()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _stop(self) -> asyncio.Task | None:
        """No outlet left: stop encoding and let the camera go (a new outlet starts both again)."""
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        if self._source is not None:
            self._source.stop()
            self._source = None
        return task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.outlets:
                if self._source is None:
                    self._source = self._make_source()
                    if self.kind == "video":  # warm up: the capture starts while the legs connect
                        await self._source.recv()
                if not self.sending() and self.kind == "video":  # the camera track always waits for the newest frame
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                frame = await self._source.recv()  # a microphone is read on (and dropped): it must not fall behind
                if not self.sending():
                    continue
                force, self._keyframe = self._keyframe, False
                if self.kind == "video":
                    payloads, timestamp = await loop.run_in_executor(None, self.encoder.encode, frame, force)
                else:
                    payloads, timestamp = self.encoder.encode(frame)
                data = b"".join(payloads)
                if not data:
                    continue
                key = is_key_frame(data) if self.kind == "video" else True
                self.encodes += 1
                self.keyframes += key
                for outlet in list(self.outlets):
                    outlet.offer(data, timestamp, key)
        except (asyncio.CancelledError, MediaStreamError):
            pass
        except Exception:
            log.exception("shared %s encoder stopped", self.kind)


class StreamOutlet(MediaStreamTrack):
    """One leg's track: the shared stream's encoded frames (video: from a key frame on)."""

    kind = "video"

    def __init__(self, shared: SharedStream) -> None:
        super().__init__()
        self.kind = shared.kind
        self.shared = shared
        self.enabled = True
        self.reading = False  # its sender has asked for a frame (the leg is connected)
        self.sent = 0  # encoded frames handed to the sender
        self._queue: deque[tuple[bytes, int]] = deque()
        self._ready = asyncio.Event()
        self._need_key = True

    def bind(self, sender: Any) -> None:
        """Route the sender's key-frame requests (PLI/FIR from the peer) to the shared encoder.

        aiortc's sender handles PLI/FIR by calling its own `_send_keyframe`, which only flags its
        own encoder; with encoded frames coming in it has none, so the call comes here instead.
        """
        sender._send_keyframe = self.request_keyframe

    def request_keyframe(self) -> None:
        self.shared.request_keyframe()

    def set_enabled(self, enabled: bool) -> None:
        """Off: nothing is sent. Back on: from the next key frame, asked for now."""
        if enabled == self.enabled:
            return
        self.enabled = enabled
        self._queue.clear()
        self._need_key = True
        if enabled:
            self.shared.request_keyframe()
        self.shared.wake()

    def offer(self, data: bytes, timestamp: int, key: bool) -> None:
        if not self.enabled or not self.reading or self.readyState != "live":
            return
        if self._need_key and not key:
            return
        if len(self._queue) >= QUEUE_LIMIT:  # the sender fell behind: what is queued cannot be decoded alone
            self._queue.clear()
            self._need_key = True
            self.shared.request_keyframe()
            return
        self._need_key = False
        self._queue.append((data, timestamp))
        self._ready.set()

    async def recv(self) -> av.Packet:
        if self.readyState != "live":
            raise MediaStreamError
        if not self.reading:
            self.reading = True
            self.shared.request_keyframe()  # the leg starts: its first frame must be a key frame
            self.shared.start()
        while not self._queue:
            self._ready.clear()
            await self._ready.wait()
            if self.readyState != "live":
                raise MediaStreamError
        data, timestamp = self._queue.popleft()
        self.sent += 1
        packet = av.Packet(data)
        packet.pts = timestamp
        packet.time_base = self.shared.time_base
        return packet

    def stop(self) -> None:
        if self.readyState == "live":
            super().stop()
            self._queue.clear()
            self._ready.set()
            self.shared.remove(self)
