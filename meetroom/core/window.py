"""The room's main window: its state (hidden, minimised, full screen, normal) and stay-on-top.

A typed object in place of a loose dict; it announces windowStateChanged itself and remembers
the last shown state, which restoreWindow goes back to.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from meetroom.core.errors import DomainError
from meetroom.core.events import Events

WINDOW_STATES = (0, 1, 2, 3)  # hidden, minimised, maximised/full screen, normal
SHOWN_WINDOW_STATES = (2, 3)  # maximised/full screen, normal: what "restore" goes back to
DEFAULT_SHOWN_STATE = 2


class WindowError(DomainError, ValueError):
    """A window state that does not exist."""


@dataclass(frozen=True)
class WindowState:
    window_state: int = DEFAULT_SHOWN_STATE
    stay_on_top: bool = False

    def fields(self) -> dict[str, Any]:
        """windowStateChanged's fields."""
        return {"windowState": self.window_state, "stayOnTop": self.stay_on_top}


class Window:
    def __init__(self, events: Events) -> None:
        self.events = events
        self.state = WindowState()
        self.restore_state = DEFAULT_SHOWN_STATE

    def change(self, window_state: int | None = None, stay_on_top: bool | None = None) -> bool:
        """changeWindowState: set what is given; a change is announced. Returns whether it changed."""
        new = self.state
        if window_state is not None:
            if window_state not in WINDOW_STATES:
                raise WindowError(f"windowState must be one of {list(WINDOW_STATES)}")
            new = replace(new, window_state=window_state)
        if stay_on_top is not None:
            new = replace(new, stay_on_top=stay_on_top)
        if new == self.state:
            return False
        self.state = new
        if new.window_state in SHOWN_WINDOW_STATES:
            self.restore_state = new.window_state
        self.events.publish("windowStateChanged", new.fields())
        return True
