"""The latest video frame of every source, keyed by peer id ('#self:0' is the room's own camera).

Producers (the capture thread, later the call's decoders) only drop a reference in here, which
costs nothing; JPEG encoding happens when /frames/ asks, once per frame and quality, so any
number of pollers share one encode. Waiters (outgoing tracks) are woken on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:  # the media stack loads with the first frame, not with the room
    import av
    import numpy as np

SELF = "#self:0"

Frame: TypeAlias = "np.ndarray | av.VideoFrame"


def to_rgb(frame: Frame) -> np.ndarray:
    import av  # here: the media stack loads with the first frame, not with the room

    if isinstance(frame, av.VideoFrame):
        return frame.to_ndarray(format="rgb24")
    return frame


def to_video_frame(frame: Frame) -> av.VideoFrame:
    """A picture as the rgb24 VideoFrame aiortc's encoders take (a copy: the store keeps its own)."""
    import av
    import numpy as np

    return av.VideoFrame.from_ndarray(np.ascontiguousarray(to_rgb(frame)), format="rgb24")


def encode_jpeg(frame: Frame, quality: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(to_rgb(frame)).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


@dataclass
class _Slot:
    frame: Frame
    seq: int
    jpegs: dict[int, asyncio.Future[bytes]] = field(default_factory=dict)  # quality -> encoded bytes


class FrameStore:
    def __init__(self) -> None:
        self._slots: dict[str, _Slot] = {}
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.encodes = 0  # JPEG encodes done (the benchmark and tests read it)

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def put(self, peer_id: str, frame: Frame) -> int:
        """Store a peer's newest frame (any thread); returns its sequence number."""
        with self._lock:
            old = self._slots.get(peer_id)
            seq = old.seq + 1 if old else 1
            slot = _Slot(frame, seq)
            if old is not None and old.frame is frame:
                slot.jpegs = old.jpegs  # a still picture published again: keep its encodes
            self._slots[peer_id] = slot
            waiters = self._waiters.pop(peer_id, [])
        if waiters and self._loop is not None:
            self._loop.call_soon_threadsafe(_wake, waiters)
        return seq

    def remove(self, peer_id: str) -> None:
        with self._lock:
            self._slots.pop(peer_id, None)
            waiters = self._waiters.pop(peer_id, [])
        if waiters and self._loop is not None:
            self._loop.call_soon_threadsafe(_wake, waiters)

    def peers(self) -> list[str]:
        with self._lock:
            return list(self._slots)

    def latest(self, peer_id: str) -> tuple[Frame, int] | None:
        with self._lock:
            slot = self._slots.get(peer_id)
            return (slot.frame, slot.seq) if slot else None

    async def wait_newer(self, peer_id: str, seq: int, timeout: float) -> tuple[Frame, int] | None:
        """The first frame after `seq`, else the current one (None if none) when time runs out."""
        with self._lock:
            slot = self._slots.get(peer_id)
            if slot is not None and slot.seq > seq:
                return slot.frame, slot.seq
            waiter = asyncio.get_running_loop().create_future()
            pending = self._waiters.setdefault(peer_id, [])
            pending[:] = [w for w in pending if not w.done()]  # drop waiters that timed out
            pending.append(waiter)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter, timeout)
        return self.latest(peer_id)

    async def jpeg(self, peer_id: str, quality: int) -> bytes | None:
        """The newest frame of a peer as JPEG, encoded at most once per frame and quality."""
        with self._lock:
            slot = self._slots.get(peer_id)
            if slot is None:
                return None
            future = slot.jpegs.get(quality)
            if future is None:
                future = asyncio.get_running_loop().create_future()
                slot.jpegs[quality] = future
                frame = slot.frame
            else:
                frame = None
        if frame is not None:
            try:
                data = await asyncio.to_thread(encode_jpeg, frame, quality)
            except Exception as exc:
                future.set_exception(exc)
                with self._lock:
                    slot.jpegs.pop(quality, None)
                raise
            self.encodes += 1
            future.set_result(data)
        return await asyncio.shield(future)


def _wake(waiters: list[Any]) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(None)
    waiters.clear()
