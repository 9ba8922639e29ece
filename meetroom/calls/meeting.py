"""What a room does with the participants of a call besides talking: the in-meeting features.

Built once per room (app.Room) from the call manager and the media; handlers reach each feature
through `RoomServices.meeting`. A group conference plugs into the same `directory` (a source of
participants, `peer_left` when one leaves) and every feature works for its participants too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from meetroom.calls import camerainfo
from meetroom.calls.content import ContentSharing, call_leg_media, call_owner
from meetroom.calls.contentwire import CONTENT_NS
from meetroom.calls.farcamera import FarCamera
from meetroom.calls.peerlink import PeerLink
from meetroom.calls.peers import PeerDirectory, follow_calls
from meetroom.calls.recording import CallRecording
from meetroom.calls.tones import DTMF_NS, ToneDial
from meetroom.calls.tonesrtp import follow_rtp
from meetroom.core.appstate import AppStateMachine
from meetroom.core.events import Events
from meetroom.core.settings import Settings
from meetroom.core.videomatrix import VideoMatrix
from meetroom.store.files import FileStore

if TYPE_CHECKING:
    from meetroom.calls.manager import CallManager
    from meetroom.media.manager import Media
    from meetroom.media.slides import SlideService
    from meetroom.net.service import NetworkService


@dataclass
class InMeeting:
    directory: PeerDirectory
    link: PeerLink
    camera: FarCamera
    tones: ToneDial
    recording: CallRecording
    content: ContentSharing

    async def close(self) -> None:
        """A recording under way is saved; nothing else outlives the room."""
        await self.recording.close()
        await self.content.close()
        self.camera.close()
        self.link.close()


def build_meeting(
    net: NetworkService,
    calls: CallManager,
    media: Media,
    settings: Settings,
    events: Events,
    appstate: AppStateMachine,
    files: FileStore,
    video_matrix: VideoMatrix,
    slides: Callable[[], SlideService | None] = lambda: None,
) -> InMeeting:
    directory = PeerDirectory()
    follow_calls(directory, calls)
    link = PeerLink(net, directory)
    camerainfo.follow_meeting(directory, media, events)
    tones = ToneDial(link, directory, events)
    calls.signalling.session_info_taps.append(tones.tap)
    link.advertise(DTMF_NS)
    follow_rtp(tones, directory, calls, settings)
    camera = FarCamera(link, directory, settings, media, events)
    recording = CallRecording(
        link, directory, calls, media, appstate, files, settings, events, layout=video_matrix.snapshot
    )
    content = ContentSharing(
        link, directory, calls.signalling, media, slides, video_matrix, events, call_leg_media(calls)
    )
    content.leaders.append(call_owner(calls))
    calls.claims.insert(0, content.claim)  # before a conference mesh answers content-* as unsupported
    link.advertise(CONTENT_NS)
    return InMeeting(directory, link, camera, tones, recording, content)
