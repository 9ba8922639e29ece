"""Builds one Room from its parts and runs it until it is told to stop.

The Room assembles its own commands and routes (a full set unless it is handed others), so a
Room built in-process answers the API and serves its pages without any import for side effect.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from meetroom import __version__
from meetroom.api.context import CommandContext
from meetroom.api.dispatcher import Dispatcher
from meetroom.api.events import EventBus
from meetroom.api.modes import ModeSlots
from meetroom.api.registry import Registry
from meetroom.api.session import Session
from meetroom.calls.call import Phase
from meetroom.calls.conference.manager import ConferenceManager
from meetroom.calls.conference.meetingpeers import follow_conference
from meetroom.calls.content import follow_conferences
from meetroom.calls.manager import CallManager
from meetroom.calls.meeting import build_meeting
from meetroom.commands import build_registry
from meetroom.commands.files import file_in_use
from meetroom.commands.services import RoomFacts, RoomServices
from meetroom.core.access import ADMIN, PIN, AccessControl
from meetroom.core.appstate import AppStateMachine
from meetroom.core.containers import DataContainers
from meetroom.core.httpsettings import HttpSettings
from meetroom.core.looplag import LoopMonitor
from meetroom.core.monitors import MonitorSet
from meetroom.core.paths import DEFAULT_INSTANCE, config_json_path, write_config_json
from meetroom.core.screensettings import ScreenSettings
from meetroom.core.servicemode import service_info, service_manager
from meetroom.core.settings import Settings
from meetroom.core.videolayout import VideoLayout
from meetroom.core.videomatrix import VideoMatrix
from meetroom.core.window import Window
from meetroom.httpcontrol import HttpControl
from meetroom.infowatch import InfoWatch
from meetroom.media.background import BackgroundReplacement
from meetroom.media.broadcast import BroadcastPicture
from meetroom.media.manager import Media
from meetroom.media.ndi import NdiService
from meetroom.media.presets import CameraPresets
from meetroom.media.slides import SlideService
from meetroom.media.soundtests import SoundTests
from meetroom.media.uploads import UploadedFiles
from meetroom.net.addressbook import AddressBook
from meetroom.net.filetransfer import ConferenceTarget, FileTransfers
from meetroom.net.service import NetworkService
from meetroom.store.db import Store
from meetroom.store.files import FileStore
from meetroom.systemd.notify import ServiceNotifier
from meetroom.web.guard import ConnectionGuard, Limits, raise_open_file_limit
from meetroom.web.http import HttpServer, RouteInstaller
from meetroom.web.listen import bind_port
from meetroom.web.metrics import RoomMetrics
from meetroom.web.routes import ROUTES
from meetroom.web.ws import build_ws_app

log = logging.getLogger(__name__)

DEFAULT_WS_PORT = 8765


@dataclass
class RoomOptions:
    host: str = "0.0.0.0"
    ws_port: int | None = None  # None: default with fallback
    http_port: int | None = None
    instance: str = DEFAULT_INSTANCE
    product: str = "room"
    pin: str | None = None
    data_dir: Path = Path(".")
    data_dir_given: bool = False
    http_token_ttl: float = 300.0
    reboot_command: list[str] = field(default_factory=lambda: ["systemctl", "reboot"])
    poweroff_command: list[str] = field(default_factory=lambda: ["systemctl", "poweroff"])
    ice_hosts: tuple[str, ...] = ()  # ICE host addresses for calls (--ice-host); empty: the setting decides
    allow_file_pages: bool = False  # --allow-file-pages: Origin null counts as the room itself
    idle_timeout: float | None = None  # --idle-timeout: overrides connectionIdleTimeout (tests make it short)
    auth_timeout: float | None = None  # --auth-timeout: overrides authTimeout


class Room:
    def __init__(
        self,
        options: RoomOptions,
        *,
        registry: Registry | None = None,
        routes: Sequence[RouteInstaller] = ROUTES,
    ) -> None:
        self.options = options
        self.version = __version__
        options.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(options.data_dir / "meetroom.sqlite3")
        self.settings = Settings(self.store)
        self.http_settings = HttpSettings(self.store)
        self.access = AccessControl(
            self.store,
            http_token_ttl=options.http_token_ttl,
            budget_limits=lambda: (self.settings.get("authFailureBudget"), self.settings.get("authFailuresPerHour")),
        )
        if options.pin:
            self.access.set_protection(ADMIN, PIN, pin=options.pin, persist=False)
        self.guard = ConnectionGuard(self.connection_limits)  # idle and unauthenticated connections
        self.bus = EventBus()
        self.modes = ModeSlots(self.bus, self.access)
        self.registry = registry if registry is not None else build_registry()
        self.dispatcher = Dispatcher(self.registry, lambda session: CommandContext(self.services, session))
        self.http = HttpServer(self, routes)
        self.appstate = AppStateMachine(lambda: self.http.port)
        self.appstate.on_change(lambda snap: self.bus.publish("appStateChanged", snap))
        self.http_control = HttpControl(
            self.http, self.http_settings, self.bus, self.write_config, self.appstate.announce
        )
        self.settings.on_change(lambda name, value: self.bus.publish("settingsChanged", {"name": name, "value": value}))
        self.window = Window(self.bus)
        self.containers = DataContainers(self.store, self.bus)
        self.files = FileStore(
            self.store, options.data_dir / "files", limit=lambda: self.settings.get("uploadedFilesLimit")
        )
        self.uploads = UploadedFiles(self.files, self.bus)
        # the slideshow: slide list, prepared pictures
        self.slides = SlideService(self.store, self.uploads, self.bus, options.data_dir / "slides", self.web_address)
        self.screen_settings = ScreenSettings(self.store, self.settings, self.bus)
        self.media = Media(self.store, self.settings, self.bus)
        self.sound_tests = SoundTests(self.media, self.appstate, self.bus)
        self.broadcast = BroadcastPicture(self.media, self.appstate, self.bus)
        self.presets = CameraPresets(self.store, self.media, self.bus)
        self.background = BackgroundReplacement(self.store, self.uploads, self.bus)  # setReplaceBackground
        self.media.config.background = self.background
        self.files.in_use = self._file_shown  # the oldest uploads go past the limit, never a shown one
        self.video_matrix = VideoMatrix(MonitorSet(), lambda: str(self.settings.get("displayName")))
        self.layout = VideoLayout(self.video_matrix, self.bus)
        self.net = NetworkService(self.settings, self.store, self.appstate, self.bus, options.data_dir / "network.key")
        self.abook = AddressBook(self.net, self.bus)
        self.calls = CallManager(
            self.net,
            self.media,
            self.appstate,
            self.settings,
            self.bus,
            self.video_matrix,
            self.store,
            options.ice_hosts,
        )
        self.meeting = build_meeting(  # far camera, DTMF, recording
            self.net, self.calls, self.media, self.settings, self.bus, self.appstate, self.files, self.video_matrix
        )
        self.meeting.content.slides = lambda: self.slides  # what startCapture {captureId: 1} shares
        self.media.capture_entries = self.meeting.content.known_entries  # hardwareChanged's DSCaptureList
        self.conferences = ConferenceManager(
            self.net, self.media, self.appstate, self.settings, self.bus, self.video_matrix, self.calls
        )
        follow_conference(self.meeting.directory, self.conferences)  # far camera, DTMF, recording in conferences
        follow_conferences(self.meeting.content, self.conferences)  # the content leg of every mesh leg
        self.transfers = FileTransfers(
            self.net,
            self.files,
            self.store,
            self.appstate,
            self.bus,
            lambda: self.http_settings.max_post_bytes,
            self._delete_received_file,
        )
        self.transfers.conference = self._conference_chat
        self.transfers.conference_sender = self.conferences.occupant_account
        self.transfers.start()
        self.ndi = NdiService(
            self.store,
            self.media,
            self.bus,
            room_name=lambda: str(self.settings.get("displayName")),
            own_call_id=lambda: self.net.account()["peerId"],
            participants=self.call_participants,
            layout=self.video_matrix.snapshot,
            content=self.current_slide,
        )
        # overlay token rotation, the web manager's address, plan rights after a login
        self.info = InfoWatch(self.appstate, self.bus, self.http, self.web_address, self.access.rotate_overlay_token)
        self.loop_monitor = LoopMonitor()  # event-loop lag; /metrics, /health
        self.metrics = RoomMetrics(
            self._metric_facts(),
            self.appstate,
            self.calls,
            self.media,
            self.bus,
            self.access,
            self.guard,
            self.loop_monitor,
        )
        self.services = self._handler_services()
        self.config_path = config_json_path(options.product, options.instance, options.data_dir, options.data_dir_given)
        self.ws_port = 0
        self._ws_runner: web.AppRunner | None = None
        self.stopped = asyncio.Event()

    # --- sessions ---------------------------------------------------------------------
    def attach(self, session: Session) -> None:
        self.bus.sessions.add(session)

    def detach(self, session: Session) -> None:
        self.bus.sessions.discard(session)
        self.modes.release(session)

    def connection_limits(self) -> Limits:
        opts, get = self.options, self.settings.get
        return Limits(
            idle_timeout=opts.idle_timeout or get("connectionIdleTimeout"),
            auth_timeout=opts.auth_timeout or get("authTimeout"),
            per_address=get("pendingConnectionsPerAddress"),
            total=get("pendingConnectionsTotal"),
        )

    def _handler_services(self) -> RoomServices:
        """What command handlers may use: the services, and the few facts of the room they read."""
        opts = self.options
        facts = RoomFacts(
            version=self.version,
            product=opts.product,
            instance=opts.instance,
            reboot_command=tuple(opts.reboot_command),
            poweroff_command=tuple(opts.poweroff_command),
            request_stop=self.request_stop,
            account=self.account,
            serves_origin=self.serves_origin,
            allows_file_pages=self.allows_file_pages,
            web_manager_url=self.info.current_web_manager_url,
            service=service_info(os.environ),
        )
        return RoomServices(
            room=facts,
            settings=self.settings,
            http_settings=self.http_settings,
            access=self.access,
            modes=self.modes,
            bus=self.bus,
            appstate=self.appstate,
            net=self.net,
            abook=self.abook,
            calls=self.calls,
            conferences=self.conferences,
            media=self.media,
            presets=self.presets,
            sound_tests=self.sound_tests,
            broadcast=self.broadcast,
            slides=self.slides,
            files=self.files,
            uploads=self.uploads,
            screen_settings=self.screen_settings,
            layout=self.layout,
            video_matrix=self.video_matrix,
            containers=self.containers,
            window=self.window,
            http=self.http_control,
            meeting=self.meeting,
            background=self.background,
            transfers=self.transfers,
            ndi=self.ndi,
        )

    def _metric_facts(self) -> dict[str, str]:
        opts = self.options
        return {
            "version": self.version,
            "instance": opts.instance,
            "product": opts.product,
            "service": service_manager(os.environ),
        }

    def _conference_chat(self) -> ConferenceTarget | None:
        found = self.conferences.chat_room()
        return ConferenceTarget(*found) if found is not None else None

    def _file_shown(self, file_id: int) -> bool:
        return file_in_use(self.services, file_id) is not None

    def _delete_received_file(self, file_id: int) -> bool:
        """clearFileTransfer deletes received files, but never one the room shows."""
        return not self._file_shown(file_id) and self.uploads.delete(file_id) is not None

    def call_participants(self) -> dict[str, str]:
        """Everyone else in the call or conference now (InstanceId -> name): the NDI sources of participants."""
        found = self.conferences.participant_names()
        call = self.calls.call
        if call is not None and call.phase is Phase.ACTIVE:
            found.setdefault(call.peer_id, call.peer_dn)
        return found

    def current_slide(self) -> Path | None:
        """The prepared picture of the slide the running slideshow shows (the content stream)."""
        show = self.slides.show
        if not show.started or not show.slides:
            return None
        return self.slides.cache_path(show.slides[show.current].file_id)

    def account(self) -> dict[str, str]:
        """The logged-in TrueConf ID and display name; empty until the network logs in."""
        return self.net.account()

    # --- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        opts = self.options
        await self.media.start()
        self.loop_monitor.start()
        await self.ndi.start()
        self.slides.start()
        ws_sock = bind_port(opts.host, opts.ws_port or DEFAULT_WS_PORT, fixed=opts.ws_port is not None)
        self.ws_port = ws_sock.getsockname()[1]
        self._ws_runner = web.AppRunner(build_ws_app(self), access_log=None, handle_signals=False)
        await self._ws_runner.setup()
        self.guard.watch(self._ws_runner.server, "websocket")
        await web.SockSite(self._ws_runner, ws_sock).start()
        if opts.http_port is not None:
            await self.http.start(opts.http_port, fixed=True)
        else:
            await self.http.start(self.http_settings.port, fixed=False, avoid=frozenset({self.ws_port}))
        self.http_settings.set_effective_port(self.http.port)
        self.info.current_web_manager_url()  # the address later changes are compared with
        self.write_config()
        await self.net.start()

    def write_config(self) -> None:
        try:
            write_config_json(self.config_path, self.ws_port, self.http.port)
        except OSError as exc:
            log.error("cannot write %s: %s", self.config_path, exc)

    def web_address(self) -> str:
        host = self.options.host
        if host in ("0.0.0.0", "::", ""):
            host = lan_address()
        url = f"http://{host}:{self.http.port}/"
        if self.options.instance != DEFAULT_INSTANCE:
            url += f"?cfg={self.options.instance}"
        return url

    def describe(self) -> list[str]:
        return [
            f"meetroom {self.version} ({self.options.product}, instance '{self.options.instance}')",
            f"WebSocket API port: {self.ws_port}",
            f"HTTP server port: {self.http.port}",
            f"config.json: {self.config_path}",
            f"data directory: {self.options.data_dir}",
            f"web manager: {self.web_address()}",
        ]

    def serves_origin(self, origin: str) -> bool:
        """Whether a browser Origin is one of this room's own pages (its HTTP server).

        The WebSocket port serves no pages, so its own origin cannot come from a web site; it is
        what non-browser clients such as websocket-client (python-trueconf-room) send by default.
        """
        parsed = urlsplit(origin)
        own_hosts = {"127.0.0.1", "localhost", "::1", self.options.host, lan_address()}
        own_ports = (self.http.port, self.ws_port)
        return parsed.scheme == "http" and parsed.port in own_ports and parsed.hostname in own_hosts

    def allows_file_pages(self) -> bool:
        """The administrator's opt-in for pages opened from a file (browsers send Origin null)."""
        return self.options.allow_file_pages or bool(self.settings.get("allowFilePages"))

    def request_stop(self) -> None:
        self.stopped.set()

    async def close(self) -> None:
        await self.meeting.close()
        await self.conferences.close()
        await self.calls.close()
        await self.transfers.close()
        await self.slides.close()
        await self.net.close()
        for session in list(self.bus.sessions):
            await session.flush_and_stop()
            await session.disconnect(1001, "room is shutting down")
        await self.http.stop()
        if self._ws_runner is not None:
            await self._ws_runner.cleanup()
        await self.ndi.close()
        await self.media.close()
        await self.loop_monitor.stop()
        self.store.close()


def lan_address() -> str:
    """The machine's first non-loopback IPv4 address, found without sending any packet."""
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            address = str(info[4][0])
            if not address.startswith("127."):
                return address
    except OSError:
        pass
    return "127.0.0.1"


async def serve(options: RoomOptions, setup: Callable[[Room], Awaitable[None]] | None = None) -> int:
    """Run a room until SIGINT/SIGTERM; `setup` runs once it listens (meetroom peer drives it so)."""
    before, after = raise_open_file_limit()  # idle sockets must not be what stops the room
    room = Room(options)
    try:
        await room.start()
        if setup is not None:
            await setup(room)
    except OSError as exc:
        print(f"meetroom: {exc}", flush=True)
        await room.close()
        return 2
    for line in room.describe():
        print(line, flush=True)
    print(f"open-file limit: {after}" + (f" (raised from {before})" if after != before else ""), flush=True)
    print("meetroom ready", flush=True)
    notifier = ServiceNotifier()  # systemd: READY=1 now the API listens, WATCHDOG=1 from this loop
    notifier.ready(f"API on port {room.ws_port}, HTTP on port {room.http.port}")
    room.appstate.on_change(notifier.app_state)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, room.request_stop)
    await room.stopped.wait()
    await notifier.stopping()
    await room.close()
    print("meetroom stopped", flush=True)
    return 0
