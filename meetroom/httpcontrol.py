"""Managing the built-in HTTP server over the API: its settings, starting and stopping it.

The settings apply what they can at once and keep the rest until the next start; every change
of a setting or of the server's state is announced from here (settings to administrators
only), and a start rewrites config.json so clients find the new port.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from meetroom.core.errors import DomainError
from meetroom.core.events import Events
from meetroom.core.httpsettings import HttpSettings
from meetroom.web.http import RUNNING, STOPPED


class HttpError(DomainError):
    """A start or stop that cannot be done (already in that state, or the port is unusable)."""


class Server(Protocol):
    """The HTTP server as this service drives it."""

    state: str
    port: int

    async def start(self, port: int, *, fixed: bool) -> None: ...

    async def stop(self) -> None: ...


class HttpControl:
    def __init__(
        self,
        server: Server,
        settings: HttpSettings,
        events: Events,
        write_config: Callable[[], None],
        announce_app_state: Callable[[], None],
    ) -> None:
        """`write_config` rewrites config.json; `announce_app_state` resends appStateChanged."""
        self.server = server
        self.settings = settings
        self.events = events
        self.write_config = write_config
        self.announce_app_state = announce_app_state

    @property
    def state(self) -> str:
        """The server's state as getHttpServerState reports it."""
        return self.server.state

    def _announce_setting(self, name: str) -> None:
        self.events.publish("httpServerSettingChanged", self.settings.entry(name), admin_only=True)

    def _announce_state(self) -> None:
        self.events.publish("httpServerStateChanged", {"state": self.server.state})

    def change_settings(self, changes: dict[str, Any]) -> None:
        """setHttpServerSettings: check them all first, then change and announce each one."""
        checked = self.settings.validate(changes)
        if not checked:
            raise HttpError("'settings' is empty: give at least one name and value")
        for name in self.settings.change(checked):
            self._announce_setting(name)

    async def start(self) -> None:
        """startHttpServer: with the settings kept for the next start applied now."""
        if self.server.state == RUNNING:
            raise HttpError("the HTTP server is already running")
        applied = self.settings.apply_pending()
        try:
            await self.server.start(self.settings.port, fixed=True)
        except OSError as exc:
            raise HttpError(f"cannot start the HTTP server: {exc}") from None
        self._announce_state()
        for name in applied:
            self._announce_setting(name)
        self.write_config()
        self.announce_app_state()

    async def stop(self) -> None:
        if self.server.state == STOPPED:
            raise HttpError("the HTTP server is already stopped")
        await self.server.stop()
        self._announce_state()
