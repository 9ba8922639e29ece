"""Room-wide facts that change as a side effect of other actions, kept current from one place.

It watches the app state and the event bus (it never changes what it watches) and:
- rotates the overlay HTTP token when a call or conference starts or ends and on logout
  (the access rules rotate it themselves when protection changes or tokens are cleared);
- announces webManagerUrlChanged when the web manager's address changes (HTTP server port,
  server stopped or started);
- remembers the last shown window state, which restoreWindow returns to;
- announces the account's plan rights (tariffRestrictionsChanged) after every login.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from meetroom.core.appstate import AppState
from meetroom.core.plan import tariff_restrictions

if TYPE_CHECKING:
    from meetroom.app import Room

SHOWN_WINDOW_STATES = (2, 3)  # maximised/full screen, normal: what "restore" goes back to
DEFAULT_SHOWN_STATE = 2


class InfoWatch:
    def __init__(self, room: Room) -> None:
        self.room = room
        self.restore_state = DEFAULT_SHOWN_STATE
        self._in_session = False
        self._web_key: tuple[str, int] | None = None
        self.web_manager_url = ""
        room.appstate.on_change(self._app_state_changed)
        room.bus.add_listener(self._event)

    # --- web manager address ----------------------------------------------------------
    def current_web_manager_url(self) -> str:
        """The control panel's address, or "" while the HTTP server is stopped."""
        http = self.room.http
        key = (http.state, http.port)
        if key != self._web_key:
            self._web_key = key
            self.web_manager_url = self.room.web_address() if http.state == "running" and http.port else ""
        return self.web_manager_url

    def _check_web_manager_url(self) -> None:
        before = self.web_manager_url
        if self.current_web_manager_url() != before:
            self.room.bus.publish("webManagerUrlChanged", {"url": self.web_manager_url})

    # --- observers --------------------------------------------------------------------
    def _app_state_changed(self, snapshot: dict[str, Any]) -> None:
        in_session = snapshot.get("appState", 0) in (AppState.CONFERENCE, AppState.CLOSE)
        if in_session != self._in_session:
            self._in_session = in_session
            self.room.access.rotate_overlay_token()

    def _event(self, message: dict[str, Any]) -> None:
        name = message.get("event")
        if name == "logout":
            self.room.access.rotate_overlay_token()
        elif name in ("appStateChanged", "httpServerStateChanged"):
            self._check_web_manager_url()
        elif name == "windowStateChanged" and message.get("windowState") in SHOWN_WINDOW_STATES:
            self.restore_state = message["windowState"]
        elif name == "login" and message.get("result") == 0:
            self.room.bus.publish("tariffRestrictionsChanged", tariff_restrictions(self.room))
