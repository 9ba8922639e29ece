"""The file-transfer PIN and whether the file-transfer tools are shown, kept in the room's store."""

from __future__ import annotations

import secrets

from meetroom.core.events import Events
from meetroom.store.db import Store

NS = "fileTransfer"


class FilePrefs:
    def __init__(self, store: Store, events: Events) -> None:
        self.store = store
        self.events = events

    def pin(self) -> str:
        """The PIN, made (six random digits) the first time it is asked for."""
        pin = self.store.get(NS, "pin")
        if not pin:
            pin = self.reset_pin(announce=False)
        return str(pin)

    def reset_pin(self, *, announce: bool = True) -> str:
        pin = f"{secrets.randbelow(10**6):06d}"
        self.store.put(NS, "pin", pin)
        if announce:
            self.events.publish("fileTransferPinChanged", {})
        return pin

    def check_pin(self, pin: str) -> bool:
        return secrets.compare_digest(pin.encode(), self.pin().encode())

    @property
    def show_tools(self) -> bool:
        return bool(self.store.get(NS, "showTools", True))

    def set_show_tools(self, show: bool) -> None:
        self.store.put(NS, "showTools", bool(show))
