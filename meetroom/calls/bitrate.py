"""The video encoder's target bitrate: the link's estimate, capped by the room's `outputBandWidth`.

Why this module exists
----------------------
aiortc's VP8 encoder (`aiortc.codecs.vpx.Vp8Encoder`) starts at 500 kbit/s and then follows the
receiver's REMB estimate (RTCP feedback from the peer's delay-based bandwidth estimator), clamped
to 250..1500 kbit/s. A room also has an owner's cap, the setting `outputBandWidth` (kbit/s, for
all outgoing media), and on a link slower than 250 kbit/s the encoder must be able to go lower.

How it is applied (the one place meetroom reaches into aiortc's encoder)
-------------------------------------------------------------------------
* aiortc has no public way to choose or configure a sender's encoder: `RTCRtpSender` creates it
  lazily with `get_encoder(codec)`, a name imported into `aiortc.rtcrtpsender`. That name is
  wrapped once, process-wide. The wrapper hands out a `GovernedVp8Encoder` only while a
  `BitrateGovernor` is set in the ContextVar below; `CallMedia` sets it around its own
  setLocalDescription/setRemoteDescription calls, and the sender's RTP task, started inside those
  calls, inherits that context. Every other peer connection gets aiortc's encoders unchanged.
* `GovernedVp8Encoder` overrides the public `target_bitrate` property, the one aiortc's sender
  writes each REMB estimate into: the setter hands the estimate to the governor and the getter
  answers the governor's target, `clamp(min(estimate, ceiling, loss limit), FLOOR, MAX)` with
  hysteresis.
  aiortc's `encode` compares that value with the running codec's and rebuilds the codec (starting
  with a key frame) when they differ by over 10 %, so a new ceiling takes effect on the next frame.
  Raw REMB wobbles by 10-30 % from one report to the next; following it would rebuild the codec
  every second, and on a slow link the stream of key frames is what overflows it. So the target
  drops as soon as the estimate is 10 % under it, but rises only when the estimate is 25 % over it
  and `RISE_AFTER` seconds have passed since the last change.
* `encode` also reads the private `__target_bitrate` for the rate-control buffer size; `sync`
  keeps it equal to the effective target (otherwise a 100 kbit/s target would get a buffer of
  several seconds and burst through a slow link). If a future aiortc renames it, only that buffer
  size is off; the target itself still comes from the property.
* REMB is delay-based and sees video only, while audio shares the link; when the peer's receiver
  reports (RTCP RR, read through the public `getStats`) that more than `LOSS_HIGH` of our video
  packets are lost, the target is cut by half the loss fraction, as WebRTC's loss-based
  controller does, and it is let up again by 8 % per report while loss stays under `LOSS_LOW`.
* libvpx cannot reach a low target at full size (aiortc caps its quantizer at 56), so below
  `HALF_BELOW_BPS` the governed encoder halves the picture's sides and below `QUARTER_BELOW_BPS`
  quarters them, as WebRTC senders do; the peer simply decodes a smaller picture.
* Audio: aiortc's Opus encoder runs at 96 kbit/s, more than voice needs and most of a slow link.
  Governed calls get `GovernedOpusEncoder`, the same encoder set to `AUDIO_BPS` through PyAV's
  public `bit_rate` before the codec opens.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import aiortc.rtcrtpsender
from aiortc.codecs import opus, vpx
from av import VideoFrame

from meetroom.calls.bitratelimits import FLOOR_BPS, MAX_BPS
from meetroom.media.priority import run_lowered

AUDIO_BPS = 48_000  # Opus for voice in governed calls (aiortc's default is 96 kbit/s)
HALF_BELOW_BPS = 200_000
QUARTER_BELOW_BPS = 90_000
RISE_AFTER = 4.0  # seconds the target holds before it may rise again
LOSS_HIGH, LOSS_LOW = 0.10, 0.02  # video loss fractions that cut / release the loss-based limit

_active: ContextVar[BitrateGovernor | None] = ContextVar("meetroom_bitrate_governor", default=None)
_original_get_encoder: Callable[..., Any] | None = None


class BitrateGovernor:
    """One call's video bitrate policy: the latest link estimate under the owner's ceiling."""

    def __init__(self, output_kbps: int) -> None:
        self.estimate_bps = vpx.DEFAULT_BITRATE
        self.ceiling_bps = MAX_BPS
        self.target_bps = vpx.DEFAULT_BITRATE
        self.loss_cap_bps = MAX_BPS
        self._changed = time.monotonic()
        self._encoders: weakref.WeakSet[GovernedVp8Encoder] = weakref.WeakSet()
        self.set_output_bandwidth(output_kbps)

    def set_output_bandwidth(self, kbps: int) -> None:
        """The room's outputBandWidth covers audio too, so video gets what the audio leaves."""
        self.ceiling_bps = max(FLOOR_BPS, min(MAX_BPS, int(kbps) * 1000 - AUDIO_BPS))
        self._retarget(owner=True)

    def note_estimate(self, bps: int) -> None:
        """A REMB estimate from the peer (aiortc writes it into the encoder's target_bitrate)."""
        self.estimate_bps = int(bps)
        self._retarget(owner=False)

    def note_loss(self, fraction: float) -> None:
        """A new loss report for our video from the peer (0.0-1.0 of packets since its last report)."""
        if fraction > LOSS_HIGH:
            self.loss_cap_bps = max(FLOOR_BPS, int(min(self.target_bps, self.loss_cap_bps) * (1 - 0.5 * fraction)))
            self._retarget(owner=True)
        elif fraction < LOSS_LOW and self.loss_cap_bps < MAX_BPS:
            self.loss_cap_bps = min(MAX_BPS, int(self.loss_cap_bps * 1.08))
            self._retarget(owner=False)

    def _retarget(self, *, owner: bool) -> None:
        wanted = max(FLOOR_BPS, min(self.estimate_bps, self.ceiling_bps, self.loss_cap_bps))
        now = time.monotonic()
        rise = wanted > self.target_bps * 1.25 and now - self._changed >= RISE_AFTER
        if (owner or wanted < self.target_bps * 0.9 or rise) and wanted != self.target_bps:
            self.target_bps, self._changed = wanted, now
        self.target_bps = min(self.target_bps, self.ceiling_bps)
        for encoder in list(self._encoders):
            encoder.sync()

    @property
    def attached(self) -> int:
        """How many encoders follow this governor (0 means aiortc built its own: cap not applied)."""
        return len(self._encoders)

    def attach(self, encoder: GovernedVp8Encoder) -> None:
        self._encoders.add(encoder)

    @contextmanager
    def scope(self) -> Iterator[None]:
        """Encoders aiortc creates for tasks started inside this block follow this governor."""
        _install()
        token = _active.set(self)
        try:
            yield
        finally:
            _active.reset(token)


class GovernedVp8Encoder(vpx.Vp8Encoder):
    """aiortc's VP8 encoder whose target comes from a BitrateGovernor instead of raw REMB."""

    def __init__(self, governor: BitrateGovernor) -> None:
        super().__init__()
        self.governor = governor
        governor.attach(self)
        self.sync()

    @property  # type: ignore[override]
    def target_bitrate(self) -> int:
        return self.governor.target_bps

    @target_bitrate.setter
    def target_bitrate(self, bitrate: int) -> None:
        self.governor.note_estimate(bitrate)

    def encode(self, frame: Any, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        """Shrink the picture when the target is too low for its size, then encode as aiortc does."""
        target = self.governor.target_bps
        divisor = 4 if target < QUARTER_BELOW_BPS else 2 if target < HALF_BELOW_BPS else 1
        if divisor > 1 and isinstance(frame, VideoFrame):
            width, height = max(2, frame.width // divisor & ~1), max(2, frame.height // divisor & ~1)
            small = frame.reformat(width=width, height=height, format="yuv420p")
            small.pts, small.time_base = frame.pts, frame.time_base
            frame = small
        # aiortc's worker thread also encodes Opus: the VP8 work goes to a lowered picture thread
        return run_lowered(super().encode, frame, force_keyframe)

    def sync(self) -> None:
        """Keep aiortc's private copy (used for the rate-control buffer) equal to the target."""
        if hasattr(self, "_Vp8Encoder__target_bitrate"):
            self._Vp8Encoder__target_bitrate = self.governor.target_bps


class GovernedOpusEncoder(opus.OpusEncoder):
    """aiortc's Opus encoder at AUDIO_BPS (set before the codec opens on the first frame)."""

    def __init__(self) -> None:
        super().__init__()
        self.codec.bit_rate = AUDIO_BPS


def _install() -> None:
    """Wrap aiortc's encoder factory once; without an active governor it behaves as before."""
    global _original_get_encoder
    if _original_get_encoder is not None:
        return
    original = aiortc.rtcrtpsender.get_encoder

    def governed_get_encoder(codec: Any) -> Any:
        governor = _active.get()
        kind = codec.mimeType.lower()
        if governor is not None and kind == "video/vp8":
            return GovernedVp8Encoder(governor)
        if governor is not None and kind == "audio/opus":
            return GovernedOpusEncoder()
        return original(codec)

    _original_get_encoder = original
    aiortc.rtcrtpsender.get_encoder = governed_get_encoder
