"""updateCameraInfo follows the call: the sent format is the VP8 stream while a call is up, "None" after."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from meetroom.calls.peers import MeetingPeer, PeerDirectory
from meetroom.core.events import Events

if TYPE_CHECKING:
    from meetroom.media.manager import Media

SEND_FORMAT = "VP8"  # the codec the room's calls send (aiortc's video encoder)


def sending(info: dict[str, Any]) -> dict[str, Any]:
    """The capture facts with the sent stream filled in (the encoder sends what is captured)."""
    return {**info, "sendFormat": SEND_FORMAT, "sendFramerate": info["cameraFramerate"]}


def follow_meeting(directory: PeerDirectory, media: Media, events: Events) -> None:
    def joined(peer: MeetingPeer) -> None:
        events.publish("updateCameraInfo", sending(media.camera_info()))

    def left(peer: str, meeting_over: bool) -> None:
        if meeting_over:
            events.publish("updateCameraInfo", media.camera_info())

    directory.on_joined(joined)
    directory.on_left(left)
