"""The main screen's custom pictures: background and logo, both files uploaded over HTTP.

Only the choice is kept here (file id, logo mode); the screen page reads the picture through
/files/<id>. A file in use cannot be deleted, so the screen never points at a missing file.
Every change is announced from here (logo changes to administrators only, as the docs say).
"""

from __future__ import annotations

from typing import Any

from meetroom.core.events import Events
from meetroom.core.settings import Settings
from meetroom.store.db import Store

NS = "screen"
LOGO_MODES = (0, 1)  # 0 scaled into a 440x82 area bottom-left, 1 shown unscaled

# setting -> (notification announcing it, getInfoWidgetsState field)
WIDGETS = {
    "showLogo": ("showLogo", "logoDisplaying"),
    "showTime": ("showTime", "timeDisplaying"),
    "showInfoConnect": ("showInfoConnect", "connectInfoDisplaying"),
    "showCurrentUserWidget": ("showCurrentUserWidget", "currentUserInfoWidgetDisplaying"),
    "showIncomingRequestWidget": ("showIncomingRequestWidget", "incomingRequestWidgetDisplaying"),
    "showUpcomingMeetings": ("showUpcomingMeetings", "upcomingMeetingsComponentDisplaying"),
}


class ScreenSettings:
    def __init__(self, store: Store, settings: Settings, events: Events) -> None:
        self._store = store
        self._settings = settings
        self._events = events
        settings.on_change(self._widget_changed)
        self.background: int | None = store.get(NS, "background")
        logo = store.get(NS, "logo")
        self.logo: dict[str, int] | None = logo if isinstance(logo, dict) else None

    def _widget_changed(self, name: str, value: Any) -> None:
        if name in WIDGETS:
            self._events.publish(WIDGETS[name][0], {"show": value})

    def widgets(self) -> dict[str, bool]:
        """getInfoWidgetsState: which widgets the main screen shows (from the show* settings)."""
        return {field: bool(self._settings.get(name)) for name, (_, field) in WIDGETS.items()}

    def background_info(self) -> dict[str, Any]:
        """getBackground / backgroundImageChanged; fileId 0 stands for the built-in picture.

        The documentation leaves fileId out for the default background, but python-trueconf-room's
        filters wait for a reply that has it, so it is always present.
        """
        if self.background is None:
            return {"isCustomImage": False, "fileId": 0}
        return {"isCustomImage": True, "fileId": self.background}

    def logo_info(self) -> dict[str, Any]:
        if self.logo is None:
            return {"isCustomImage": False}
        return {"isCustomImage": True, "fileId": self.logo["fileId"], "mode": self.logo["mode"]}

    def set_background(self, file_id: int | None) -> bool:
        if file_id == self.background:
            return False
        self.background = file_id
        self._persist("background", file_id)
        self._events.publish("backgroundImageChanged", self.background_info())
        return True

    def set_logo(self, file_id: int | None, mode: int = 0) -> bool:
        new = None if file_id is None else {"fileId": file_id, "mode": mode}
        if new == self.logo:
            return False
        custom_before = self.logo is not None
        self.logo = new
        self._persist("logo", new)
        info = self.logo_info()
        self._events.publish("logoImageChanged", {"fileId": 0, "mode": 0, **info}, admin_only=True)
        if info["isCustomImage"] != custom_before:
            self._events.publish("customLogoUsageChanged", {"use": info["isCustomImage"]}, admin_only=True)
        return True

    def _persist(self, key: str, value: Any) -> None:
        """Store a custom picture's choice; None (the built-in one) leaves no entry behind."""
        if value is None:
            self._store.delete(NS, key)
        else:
            self._store.put(NS, key, value)

    def uses(self, file_id: int) -> str | None:
        """What the file is used as on the screen, if anything."""
        if self.background == file_id:
            return "the background"
        if self.logo is not None and self.logo["fileId"] == file_id:
            return "the logo"
        return None
