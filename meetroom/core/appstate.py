"""The application state machine (0..6) and the status fields reported with it.

0 no server, 1 connecting, 2 login required, 3 logged in and idle, 4 call pending,
5 in a conference, 6 finishing a conference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class AppState(IntEnum):
    NONE = 0
    CONNECTING = 1
    LOGIN = 2
    NORMAL = 3
    WAIT = 4
    CONFERENCE = 5
    CLOSE = 6


# extStatus codes of the spec
EXT_OFFLINE = 0
EXT_AVAILABLE = 2
EXT_BUSY = 7


@dataclass
class RoomStatus:
    state: AppState = AppState.NONE
    ext_status: int = EXT_OFFLINE
    additional_status: str = ""
    desktop_sharing: dict[str, Any] = field(default_factory=lambda: {"running": False})
    broadcast_picture: dict[str, Any] = field(default_factory=lambda: {"running": False})
    audio_capture_test: bool = False
    recording: bool = False


StateListener = Callable[[dict[str, Any]], None]


class AppStateMachine:
    """Holds the status; every change is announced with the full snapshot."""

    def __init__(self, http_port: Callable[[], int]) -> None:
        self.status = RoomStatus()
        self._http_port = http_port
        self._listeners: list[StateListener] = []

    def on_change(self, listener: StateListener) -> None:
        self._listeners.append(listener)

    @property
    def state(self) -> AppState:
        return self.status.state

    def snapshot(self) -> dict[str, Any]:
        s = self.status
        return {
            "appState": int(s.state),
            "extStatus": s.ext_status,
            "additionalStatus": s.additional_status,
            "embeddedHttpPort": self._http_port(),
            "desktopSharing": dict(s.desktop_sharing),
            "broadcastPicture": dict(s.broadcast_picture),
            "audioCaptureTest": s.audio_capture_test,
            "recording": s.recording,
        }

    def update(self, **changes: Any) -> None:
        """Change status fields (names of RoomStatus) and announce the result once."""
        before = self.snapshot()
        for name, value in changes.items():
            if not hasattr(self.status, name):
                raise AttributeError(name)
            setattr(self.status, name, AppState(value) if name == "state" else value)
        after = self.snapshot()
        if after != before:
            for listener in self._listeners:
                listener(after)

    def announce(self) -> None:
        """Announce the current snapshot, e.g. after the HTTP port changed."""
        snap = self.snapshot()
        for listener in self._listeners:
            listener(snap)
