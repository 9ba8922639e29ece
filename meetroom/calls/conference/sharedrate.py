"""The conference's one video encoder: governed like a call's, at the rate every leg can take.

One encoded stream goes to every leg (meetroom/media/sharedmedia.py), so its target is the lowest
of the sending legs' governed targets (each leg's BitrateGovernor still follows that leg's REMB
estimate, loss reports and its share of the room's upload): the slowest link sets the pace, and
N-1 copies of the stream stay within `outputBandWidth` because each leg's ceiling is its share.
Loaded only when a conference leg opens (it loads aiortc and PyAV).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from aiortc.codecs import vpx

from meetroom.calls.bitrate import BitrateGovernor, GovernedOpusEncoder, GovernedVp8Encoder
from meetroom.media.sharedmedia import SharedStream

if TYPE_CHECKING:
    from meetroom.media.manager import Media


class LegsRate:
    """What GovernedVp8Encoder reads of a governor, answered for all the legs at once."""

    def __init__(self, governors: Callable[[], Iterable[BitrateGovernor]]) -> None:
        self._governors = governors

    @property
    def target_bps(self) -> int:
        return min((g.target_bps for g in self._governors()), default=vpx.DEFAULT_BITRATE)

    def attach(self, encoder: GovernedVp8Encoder) -> None:
        """Nothing to keep: the shared encoder syncs its buffer size itself before each frame."""


class SharedVp8Encoder(GovernedVp8Encoder):
    """A governed VP8 encoder that returns each frame's whole bitstream, for the legs to packetise."""

    def __init__(self, rate: LegsRate) -> None:
        super().__init__(rate)  # type: ignore[arg-type]  # LegsRate answers what the encoder reads

    def encode(self, frame: Any, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        self.sync()  # the legs' governors sync only their own (packing) encoders
        return super().encode(frame, force_keyframe)

    @classmethod
    def _packetize(cls, buffer: bytes, picture_id: int) -> list[bytes]:
        return [buffer] if buffer else []


def shared_camera(media: Media, governors: Callable[[], Iterable[BitrateGovernor]]) -> SharedStream:
    """The room's camera, encoded once for every conference leg that sends it."""
    return SharedStream(media.camera_track, SharedVp8Encoder(LegsRate(governors)))


def shared_microphone(media: Media) -> SharedStream:
    """The room's microphone, Opus-encoded once for every conference leg (at a call's voice rate)."""
    return SharedStream(media.microphone_track, GovernedOpusEncoder(), kind="audio")
