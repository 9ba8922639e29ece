"""The layout changes a panel asks for, each announced: the command side of `VideoMatrix`.

`VideoMatrix` is the layout's state and rules; calls add and remove slots on it directly. What
a client changes goes through here, so videoMatrixChanged and the monitor notifications are
sent from one place, in the documented order.
"""

from __future__ import annotations

from typing import Any

from meetroom.core.events import Events
from meetroom.core.videomatrix import VideoMatrix


class VideoLayout:
    def __init__(self, matrix: VideoMatrix, events: Events) -> None:
        self.matrix = matrix
        self.events = events

    def snapshot(self) -> dict[str, Any]:
        return self.matrix.snapshot()

    def _announce(self) -> None:
        self.events.publish("videoMatrixChanged", self.matrix.snapshot())

    def set_type(self, matrix_type: int) -> None:
        """changeVideoMatrixType: documented to answer with the layout even when the type stays."""
        self.matrix.set_type(matrix_type)
        self._announce()

    def hide(self, slot_id: str) -> None:
        if self.matrix.hide(slot_id):
            self._announce()

    def show(self, slot_id: str) -> None:
        if self.matrix.show(slot_id):
            self._announce()

    def swap(self, first: str, second: str) -> None:
        if self.matrix.swap(first, second):
            self._announce()

    def move_to_monitor(self, slot_id: str, index: int) -> None:
        matrix = self.matrix
        matrix.move_to_monitor(slot_id, index)
        slot = matrix.slot(slot_id)
        fields = {"callId": slot.id, "peerDn": matrix.name_of(slot), **matrix.monitor_fields(index)}
        self.events.publish("videoSlotMovedToMonitor", fields)
        self._announce()

    def remove_from_monitor(self, index: int) -> None:
        slot_id = self.matrix.remove_from_monitor(index)
        self.events.publish("videoSlotRemovedFromMonitor", {"callId": slot_id, **self.matrix.monitor_fields(index)})
        self._announce()

    def set_current_monitor(self, index: int) -> None:
        if self.matrix.set_current_monitor(index):
            self.events.publish("monitorsInfoUpdated", self.matrix.monitors.info("2"))
            self._announce()
