"""Video keeps flowing on a lossy, congested link: each hole is NACKed once, and given up on in time.

Why this module exists
----------------------
Two habits of aiortc's receiver (`RTCRtpReceiver`) turn a slow link into a frozen picture
(measured by tests/test_calls_poor_link.py, where a token-bucket link of 600 kbit/s saw ten times
its rate offered and no video for 15 s):

* Its `NackGenerator` reports *every* packet still missing (up to 128) each time a new gap
  appears, and the sender retransmits each one every time. On a congested link new gaps appear
  constantly, so retransmissions multiply and crowd out the real stream.
* Its `JitterBuffer` hands out a frame only when every packet from its start (`_origin`) is
  present; when the single NACK for a hole goes unanswered it waits until 512 later packets have
  piled up before it drops the hole and sends a PLI — 15-20 s at the packet rate of a slow link.

How it is applied
-----------------
`aiortc.rtcrtpreceiver` builds both through module-level names (`NackGenerator`, `JitterBuffer`);
each is wrapped once, process-wide. Inside `recovering()` (CallMedia wraps the calls in which
aiortc creates receivers) video receivers get:

* `OnceNackGenerator`: the same bookkeeping, but after each packet `missing` (which the receiver
  puts in the NACK) holds only packets never requested before, so every loss is requested once.
* `RecoveringJitterBuffer`: when no frame has come out for `STALL_SECONDS` although later packets
  keep arriving, it drops everything up to and including the frame with the hole (aiortc's own
  `smart_remove`) and raises `pli_flag`, so the receiver sends a Picture Loss Indication and the
  sender answers with a key frame.

A third habit costs time on every link: aiortc's buffer knows a frame is complete only when the
first packet of the *next* frame arrives, so each picture waits one frame interval (67 ms at
15 fps) before it is decoded. The sender marks a frame's last packet (the RTP marker bit), so
`recovering(prompt=True)` (what CallMedia uses) gives `PromptJitterBuffer`, which hands out the
oldest frame as soon as every packet from its first to the marked one is in, and otherwise
behaves as `RecoveringJitterBuffer`.

All read aiortc's single-underscore/public attributes (`missing`, `_origin`, `_packets`, `_data`);
outside `recovering()` aiortc's classes are used unchanged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import aiortc.rtcrtpreceiver
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtcrtpreceiver import NackGenerator

log = logging.getLogger(__name__)

STALL_SECONDS = 0.6

_active: ContextVar[bool] = ContextVar("meetroom_loss_recovery", default=False)
_prompt: ContextVar[bool] = ContextVar("meetroom_prompt_frames", default=False)
_installed = False


class OnceNackGenerator(NackGenerator):
    """aiortc's NACK bookkeeping, reporting each missing packet only the first time."""

    def __init__(self) -> None:
        super().__init__()
        self._all: set[int] = set()  # every packet still missing (aiortc's `missing`)
        self._requested: set[int] = set()

    def add(self, packet: Any) -> bool:
        self.missing = self._all
        super().add(packet)
        self._all = self.missing
        fresh = self._all - self._requested
        self._requested = (self._requested | fresh) & self._all
        self.missing = fresh
        return bool(fresh)


class RecoveringJitterBuffer(JitterBuffer):
    """aiortc's buffer that skips a hole it has waited on for STALL_SECONDS and asks for a key frame."""

    def __init__(self, capacity: int, prefetch: int = 0, is_video: bool = False) -> None:
        super().__init__(capacity, prefetch=prefetch, is_video=is_video)
        self.blocked_since: float | None = None
        self.skips = 0

    def add(self, packet: Any) -> tuple[bool, JitterFrame | None]:
        pli_flag, frame = super().add(packet)
        if frame is not None or self._origin is None:
            self.blocked_since = None
            return pli_flag, frame
        hole = self._first_hole(packet.sequence_number)
        if hole is None:  # the frame is still arriving, nothing is missing yet
            self.blocked_since = None
            return pli_flag, frame
        now = time.monotonic()
        if self.blocked_since is None:
            self.blocked_since = now
        elif now - self.blocked_since >= STALL_SECONDS:
            log.info("video: gave up on a lost packet after %.1f s; asking for a key frame", now - self.blocked_since)
            self.smart_remove(hole + 1)
            self.blocked_since = None
            self.skips += 1
            return True, None
        return pli_flag, frame

    def _first_hole(self, newest: int) -> int | None:
        """Offset from the origin of the first packet missing before the newest one, if any."""
        assert self._origin is not None
        behind = (newest - self._origin) & 0xFFFF
        for count in range(min(behind, self.capacity)):
            if self._packets[(self._origin + count) % self.capacity] is None:
                return count
        return None


class PromptJitterBuffer(RecoveringJitterBuffer):
    """The recovering buffer that hands out a frame once its marked last packet is in, not one frame later."""

    def _remove_frame(self, sequence_number: int) -> JitterFrame | None:
        """aiortc's `add` ends here: the oldest frame if it is complete by its marker, else aiortc's rule."""
        return self._complete_oldest() or super()._remove_frame(sequence_number)

    def _complete_oldest(self) -> JitterFrame | None:
        """The oldest frame, taken out, if every packet from the origin to its marked last one is here."""
        if self._origin is None:
            return None
        first = self._packets[self._origin % self.capacity]
        if first is None:
            return None
        parts = []
        for count in range(self.capacity):
            packet = self._packets[(self._origin + count) % self.capacity]
            if packet is None or packet.timestamp != first.timestamp:
                return None
            parts.append(packet._data)
            if packet.marker:
                self.remove(count + 1)
                return JitterFrame(data=b"".join(parts), timestamp=first.timestamp)
        return None


@contextmanager
def recovering(*, prompt: bool = False) -> Iterator[None]:
    """Video receivers aiortc creates inside this block use the classes above (prompt: PromptJitterBuffer)."""
    _install()
    token, prompt_token = _active.set(True), _prompt.set(prompt)
    try:
        yield
    finally:
        _prompt.reset(prompt_token)
        _active.reset(token)


def _install() -> None:
    global _installed
    if _installed:
        return
    original_buffer = aiortc.rtcrtpreceiver.JitterBuffer
    original_nack = aiortc.rtcrtpreceiver.NackGenerator

    def jitter_buffer(capacity: int, prefetch: int = 0, is_video: bool = False) -> JitterBuffer:
        if is_video and _active.get():
            kind = PromptJitterBuffer if _prompt.get() and not prefetch else RecoveringJitterBuffer
            return kind(capacity, prefetch=prefetch, is_video=is_video)
        return original_buffer(capacity, prefetch=prefetch, is_video=is_video)

    def nack_generator() -> NackGenerator:  # aiortc makes one only for video receivers
        return OnceNackGenerator() if _active.get() else original_nack()

    aiortc.rtcrtpreceiver.JitterBuffer = jitter_buffer  # type: ignore[misc, assignment]
    aiortc.rtcrtpreceiver.NackGenerator = nack_generator  # type: ignore[misc, assignment]
    _installed = True
