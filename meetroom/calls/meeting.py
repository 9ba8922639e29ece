"""What a room does with the participants of a call besides talking: the in-meeting features.

Built once per room (app.Room) from the call manager and the media; handlers reach each feature
through `RoomServices.meeting`. A group conference plugs into the same `directory` (a source of
participants, `peer_left` when one leaves) and every feature works for its participants too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from meetroom.calls import camerainfo
from meetroom.calls.farcamera import FarCamera
from meetroom.calls.peerlink import PeerLink
from meetroom.calls.peers import PeerDirectory, follow_calls
from meetroom.calls.tones import ToneDial
from meetroom.calls.tonesrtp import follow_rtp
from meetroom.core.events import Events
from meetroom.core.settings import Settings

if TYPE_CHECKING:
    from meetroom.calls.manager import CallManager
    from meetroom.media.manager import Media
    from meetroom.net.service import NetworkService


@dataclass
class InMeeting:
    directory: PeerDirectory
    link: PeerLink
    camera: FarCamera
    tones: ToneDial

    def close(self) -> None:
        self.camera.close()
        self.link.close()


def build_meeting(
    net: NetworkService, calls: CallManager, media: Media, settings: Settings, events: Events
) -> InMeeting:
    directory = PeerDirectory()
    follow_calls(directory, calls)
    link = PeerLink(net, directory)
    camerainfo.follow_meeting(directory, media, events)
    tones = ToneDial(link, directory, events)
    calls.signalling.session_info_taps.append(tones.tap)
    follow_rtp(tones, directory, calls, settings)
    return InMeeting(directory, link, FarCamera(link, directory, settings, media, events), tones)
