"""Room-wide facts that change as a side effect of other actions, kept current from one place.

It watches the app state and the notifications (it never changes what it watches) and:
- rotates the overlay HTTP token when a call or conference starts or ends and on logout
  (the access rules rotate it themselves when protection changes or tokens are cleared);
- announces webManagerUrlChanged when the web manager's address changes (HTTP server port,
  server stopped or started);
- announces the account's plan rights (tariffRestrictionsChanged) after every login.

It sits beside app.py rather than in core/: it reacts to the HTTP server and to the network's
notifications, which core/ knows nothing of. Everything it uses is passed in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from meetroom.core.appstate import AppState, AppStateMachine
from meetroom.core.events import Events
from meetroom.core.plan import tariff_restrictions
from meetroom.web.http import RUNNING

Listener = Callable[[dict[str, Any]], None]


class HttpStatus(Protocol):
    """What the watch reads of the HTTP server: whether it runs, and on which port."""

    state: str
    port: int


class Feed(Events, Protocol):
    """An event sink that in-process observers can also listen to (the API's event bus)."""

    def add_listener(self, listener: Listener) -> None: ...


class InfoWatch:
    def __init__(
        self,
        appstate: AppStateMachine,
        events: Feed,
        http: HttpStatus,
        web_address: Callable[[], str],
        rotate_overlay_token: Callable[[], None],
    ) -> None:
        self.events = events
        self.http = http
        self.web_address = web_address
        self.rotate_overlay_token = rotate_overlay_token
        self._in_session = False
        self._web_key: tuple[str, int] | None = None
        self.web_manager_url = ""
        appstate.on_change(self._app_state_changed)
        events.add_listener(self._event)

    # --- web manager address ----------------------------------------------------------
    def current_web_manager_url(self) -> str:
        """The control panel's address, or "" while the HTTP server is stopped."""
        key = (self.http.state, self.http.port)
        if key != self._web_key:
            self._web_key = key
            running = self.http.state == RUNNING and self.http.port
            self.web_manager_url = self.web_address() if running else ""
        return self.web_manager_url

    def _check_web_manager_url(self) -> None:
        before = self.web_manager_url
        if self.current_web_manager_url() != before:
            self.events.publish("webManagerUrlChanged", {"url": self.web_manager_url})

    # --- observers --------------------------------------------------------------------
    def _app_state_changed(self, snapshot: dict[str, Any]) -> None:
        in_session = snapshot.get("appState", 0) in (AppState.CONFERENCE, AppState.CLOSE)
        if in_session != self._in_session:
            self._in_session = in_session
            self.rotate_overlay_token()

    def _event(self, message: dict[str, Any]) -> None:
        name = message.get("event")
        if name == "logout":
            self.rotate_overlay_token()
        elif name in ("appStateChanged", "httpServerStateChanged"):
            self._check_web_manager_url()
        elif name == "login" and message.get("result") == 0:
            self.events.publish("tariffRestrictionsChanged", tariff_restrictions())
