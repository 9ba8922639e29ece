"""What a command handler may use: the room's services, each typed, and a few facts about the room.

Handlers get this instead of the whole Room, so a handler can reach a service but not the
room's lifecycle, its listeners or its internals, and what each area depends on is visible here.
The app layer builds it once; services above this layer (the HTTP server's control, the info
watcher) are seen through the small protocols below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from meetroom.api.context import CommandContext

if TYPE_CHECKING:  # the services' own modules load with the room's network side, not with the handlers
    from meetroom.api.events import EventBus
    from meetroom.api.modes import ModeSlots
    from meetroom.calls.conference.manager import ConferenceManager
    from meetroom.calls.manager import CallManager
    from meetroom.calls.meeting import InMeeting
    from meetroom.core.access import AccessControl
    from meetroom.core.appstate import AppStateMachine
    from meetroom.core.containers import DataContainers
    from meetroom.core.httpsettings import HttpSettings
    from meetroom.core.screensettings import ScreenSettings
    from meetroom.core.settings import Settings
    from meetroom.core.videolayout import VideoLayout
    from meetroom.core.videomatrix import VideoMatrix
    from meetroom.core.window import Window
    from meetroom.media.background import BackgroundReplacement
    from meetroom.media.broadcast import BroadcastPicture
    from meetroom.media.manager import Media
    from meetroom.media.ndi import NdiService
    from meetroom.media.presets import CameraPresets
    from meetroom.media.slides import SlideService
    from meetroom.media.soundtests import SoundTests
    from meetroom.media.uploads import UploadedFiles
    from meetroom.net.addressbook import AddressBook
    from meetroom.net.filetransfer import FileTransfers
    from meetroom.net.service import NetworkService
    from meetroom.store.files import FileStore


class NetworkServices(Protocol):
    """The services the room builds once it listens (meetroom.netside.NetworkSide)."""

    @property
    def net(self) -> NetworkService: ...
    @property
    def abook(self) -> AddressBook: ...
    @property
    def calls(self) -> CallManager: ...
    @property
    def conferences(self) -> ConferenceManager: ...
    @property
    def meeting(self) -> InMeeting: ...
    @property
    def transfers(self) -> FileTransfers: ...
    @property
    def ndi(self) -> NdiService: ...


class HttpServerControl(Protocol):
    """setHttpServerSettings / startHttpServer / stopHttpServer (meetroom.httpcontrol.HttpControl)."""

    @property
    def state(self) -> str: ...
    def change_settings(self, changes: dict[str, Any]) -> None: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


@dataclass(frozen=True)
class RoomFacts:
    """What handlers read about the room itself, and the one lifecycle action they may take."""

    version: str
    product: str
    instance: str
    reboot_command: tuple[str, ...]
    poweroff_command: tuple[str, ...]
    request_stop: Callable[[], None]
    account: Callable[[], dict[str, str]]
    serves_origin: Callable[[str], bool]
    allows_file_pages: Callable[[], bool]
    web_manager_url: Callable[[], str]
    service: dict[str, Any] = field(default_factory=dict)  # getSystemInfo serviceInfo (meetroom extension)


@dataclass(frozen=True)
class RoomServices:
    room: RoomFacts
    settings: Settings
    http_settings: HttpSettings
    access: AccessControl
    modes: ModeSlots
    bus: EventBus
    appstate: AppStateMachine
    media: Media
    presets: CameraPresets
    sound_tests: SoundTests
    broadcast: BroadcastPicture
    slides: SlideService
    files: FileStore
    uploads: UploadedFiles
    screen_settings: ScreenSettings
    layout: VideoLayout
    video_matrix: VideoMatrix
    containers: DataContainers
    window: Window
    http: HttpServerControl
    background: BackgroundReplacement
    network_side: Callable[[], NetworkServices]  # built on its first use if the room has not built it yet

    @property
    def net(self) -> NetworkService:
        return self.network_side().net

    @property
    def abook(self) -> AddressBook:
        return self.network_side().abook

    @property
    def calls(self) -> CallManager:
        return self.network_side().calls

    @property
    def conferences(self) -> ConferenceManager:
        return self.network_side().conferences

    @property
    def meeting(self) -> InMeeting:
        return self.network_side().meeting

    @property
    def transfers(self) -> FileTransfers:
        return self.network_side().transfers

    @property
    def ndi(self) -> NdiService:
        return self.network_side().ndi


Context = CommandContext[RoomServices]
