"""The part of the room the web side serves: what the HTTP routes and the sockets may use.

Route installers and the socket handlers are given the room as this protocol, not as
`meetroom.app.Room`: the web layer then depends on the services it serves and a few facts
(ports, names, the connection rules), never on how the room is assembled or run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from meetroom.api.dispatcher import Dispatcher
    from meetroom.api.events import EventBus
    from meetroom.api.session import Session
    from meetroom.core.access import AccessControl
    from meetroom.core.httpsettings import HttpSettings
    from meetroom.core.settings import Settings
    from meetroom.media.manager import Media
    from meetroom.media.slides import SlideService
    from meetroom.store.files import FileStore
    from meetroom.web.guard import ConnectionGuard, Limits
    from meetroom.web.http import HttpServer
    from meetroom.web.metrics import RoomMetrics


class Listening(Protocol):
    """The listen options the web side reads: where it listens and which instance it is."""

    host: str
    instance: str


class RoomSurface(Protocol):
    options: Listening
    version: str
    ws_port: int
    settings: Settings
    http_settings: HttpSettings
    access: AccessControl
    bus: EventBus
    media: Media
    files: FileStore
    slides: SlideService
    dispatcher: Dispatcher
    guard: ConnectionGuard
    http: HttpServer
    metrics: RoomMetrics

    def web_address(self) -> str: ...
    def serves_origin(self, origin: str) -> bool: ...
    def account(self) -> dict[str, str]: ...
    def connection_limits(self) -> Limits: ...
    def attach(self, session: Session) -> None: ...
    def detach(self, session: Session) -> None: ...
