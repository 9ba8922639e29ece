"""The room's network side: XMPP, calls, conferences, in-meeting features, file transfer, NDI, metrics.

A client needs none of it to find the room (config.json) or to open the API socket, and its
modules (slixmpp, cryptography, the call and conference machines) are most of what a room
imports. So `app.Room` builds it right after its servers listen, importing this module off the
event loop first, and builds it on the spot if something asks for it sooner (an in-process
room, a command that arrives early: the dispatcher makes those wait for it instead).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from meetroom.api.events import EventBus
from meetroom.calls.conference.manager import ConferenceManager
from meetroom.calls.conference.meetingpeers import follow_conference
from meetroom.calls.content import follow_conferences
from meetroom.calls.manager import CallManager
from meetroom.calls.meeting import InMeeting, build_meeting
from meetroom.calls.phase import Phase
from meetroom.core.access import AccessControl
from meetroom.core.appstate import AppStateMachine
from meetroom.core.httpsettings import HttpSettings
from meetroom.core.looplag import LoopMonitor
from meetroom.core.settings import Settings
from meetroom.core.videomatrix import VideoMatrix
from meetroom.media.manager import Media
from meetroom.media.ndi import NdiService
from meetroom.media.slides import SlideService
from meetroom.net.addressbook import AddressBook
from meetroom.net.filetransfer import ConferenceTarget, FileTransfers
from meetroom.net.service import NetworkService
from meetroom.store.db import Store
from meetroom.store.files import FileStore
from meetroom.web.guard import ConnectionGuard
from meetroom.web.metrics import RoomMetrics


class RoomFront(Protocol):
    """What the room builds before it listens and the network side is made of."""

    store: Store
    settings: Settings
    http_settings: HttpSettings
    access: AccessControl
    guard: ConnectionGuard
    bus: EventBus
    appstate: AppStateMachine
    media: Media
    files: FileStore
    slides: SlideService
    video_matrix: VideoMatrix
    loop_monitor: LoopMonitor

    def current_slide(self) -> Path | None: ...
    def delete_received_file(self, file_id: int) -> bool: ...


class NetworkSide:
    """The services that talk to the network or ride on a call, wired to each other and to the front."""

    def __init__(
        self, room: RoomFront, *, data_dir: Path, ice_hosts: tuple[str, ...], metric_facts: dict[str, str]
    ) -> None:
        settings, store, appstate, bus, media = room.settings, room.store, room.appstate, room.bus, room.media
        video_matrix = room.video_matrix
        self.net = NetworkService(settings, store, appstate, bus, data_dir / "network.key")
        self.abook = AddressBook(self.net, bus)
        self.calls = CallManager(self.net, media, appstate, settings, bus, video_matrix, store, ice_hosts)
        self.meeting: InMeeting = build_meeting(  # far camera, DTMF, recording
            self.net, self.calls, media, settings, bus, appstate, room.files, video_matrix
        )
        slides = room.slides
        self.meeting.content.slides = lambda: slides  # what startCapture {captureId: 1} shares
        self.conferences = ConferenceManager(self.net, media, appstate, settings, bus, video_matrix, self.calls)
        follow_conference(self.meeting.directory, self.conferences)  # far camera, DTMF, recording in conferences
        follow_conferences(self.meeting.content, self.conferences)  # the content leg of every mesh leg
        http_settings = room.http_settings
        self.transfers = FileTransfers(
            self.net,
            room.files,
            store,
            appstate,
            bus,
            lambda: http_settings.max_post_bytes,
            room.delete_received_file,
        )
        self.transfers.conference = self._conference_chat
        self.transfers.conference_sender = self.conferences.occupant_account
        self.transfers.start()
        self.ndi = NdiService(
            store,
            media,
            bus,
            room_name=lambda: str(settings.get("displayName")),
            own_call_id=lambda: self.net.account()["peerId"],
            participants=self.call_participants,
            layout=video_matrix.snapshot,
            content=room.current_slide,
        )
        self.metrics = RoomMetrics(
            metric_facts, appstate, self.calls, media, bus, room.access, room.guard, room.loop_monitor
        )

    def _conference_chat(self) -> ConferenceTarget | None:
        found = self.conferences.chat_room()
        return ConferenceTarget(*found) if found is not None else None

    def call_participants(self) -> dict[str, str]:
        """Everyone else in the call or conference now (InstanceId -> name): the NDI sources of participants."""
        found = self.conferences.participant_names()
        call = self.calls.call
        if call is not None and call.phase is Phase.ACTIVE:
            found.setdefault(call.peer_id, call.peer_dn)
        return found

    async def start(self) -> None:
        """NDI (when switched on), then the network: the remembered login happens from here."""
        await self.ndi.start()
        await self.net.start()

    async def close_calls(self) -> None:
        """What rides on the network, closed before the network itself."""
        await self.meeting.close()
        await self.conferences.close()
        await self.calls.close()
        await self.transfers.close()

    async def close_network(self) -> None:
        await self.net.close()
