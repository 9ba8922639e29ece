"""The local video layout: which slots are shown where, hidden, or moved to another monitor.

Self view ('#self:0') is a slot of the layout (selfViewMode 2) and, until calls exist, the only
one; calls add and remove participants with `add_slot` / `remove_slot`. Rectangles come from
core.layout.slot_rects for the main window, which fills the current monitor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from meetroom.core.errors import DomainError
from meetroom.core.layout import MATRIX_TYPES, slot_rects
from meetroom.core.monitors import MonitorSet

SELF_SLOT = "#self:0"
SELF_VIEW_IN_LAYOUT = 2


@dataclass
class Slot:
    id: str
    name: str = ""


class LayoutError(DomainError, ValueError):
    """A layout change that cannot be made; the message says why."""


class VideoMatrix:
    def __init__(self, monitors: MonitorSet, self_name: Callable[[], str], matrix_type: int = 1) -> None:
        self.monitors = monitors
        self._self_name = self_name
        self.matrix_type = matrix_type
        self.slots: list[Slot] = [Slot(SELF_SLOT)]
        self.hidden: list[str] = []
        self.extern: dict[int, str] = {}  # monitor index -> slot id

    # --- slots (the calls work fills these) -------------------------------------------------
    def slot(self, slot_id: str) -> Slot:
        for slot in self.slots:
            if slot.id == slot_id:
                return slot
        raise LayoutError(f"no video slot '{slot_id}' in the layout")

    def name_of(self, slot: Slot) -> str:
        return self._self_name() if slot.id == SELF_SLOT else slot.name

    def add_slot(self, slot_id: str, name: str = "") -> None:
        if all(s.id != slot_id for s in self.slots):
            self.slots.append(Slot(slot_id, name))

    def remove_slot(self, slot_id: str) -> None:
        self.slots = [s for s in self.slots if s.id != slot_id]
        self.hidden = [h for h in self.hidden if h != slot_id]
        self.extern = {m: s for m, s in self.extern.items() if s != slot_id}

    def visible(self) -> list[Slot]:
        away = set(self.hidden) | set(self.extern.values())
        return [s for s in self.slots if s.id not in away]

    # --- changes ----------------------------------------------------------------------------
    def set_type(self, matrix_type: int) -> bool:
        if matrix_type not in MATRIX_TYPES:
            raise LayoutError(f"matrixType must be one of {list(MATRIX_TYPES)}")
        changed = matrix_type != self.matrix_type
        self.matrix_type = matrix_type
        return changed

    def hide(self, slot_id: str) -> bool:
        self.slot(slot_id)
        if slot_id in self.hidden:
            return False
        self.hidden.append(slot_id)
        self.extern = {m: s for m, s in self.extern.items() if s != slot_id}
        return True

    def show(self, slot_id: str) -> bool:
        self.slot(slot_id)
        if slot_id not in self.hidden:
            return False
        self.hidden.remove(slot_id)
        return True

    def swap(self, first: str, second: str) -> bool:
        a, b = self.slot(first), self.slot(second)
        if first in self.extern.values() or second in self.extern.values():
            raise LayoutError("a slot moved to another monitor cannot be swapped")
        i, j = self.slots.index(a), self.slots.index(b)
        self.slots[i], self.slots[j] = b, a
        return i != j

    def move_to_monitor(self, slot_id: str, index: int) -> str | None:
        """Show a slot alone on another monitor; returns the slot that monitor showed before."""
        self.slot(slot_id)
        if self.monitors.monitor(index) is None:
            raise LayoutError(f"no monitor with index {index}")
        if index == self.monitors.current:
            raise LayoutError(f"monitor {index} shows the main window; choose another monitor")
        if slot_id in self.hidden:
            raise LayoutError(f"slot '{slot_id}' is hidden; show it first")
        previous = self.extern.get(index)
        self.extern = {m: s for m, s in self.extern.items() if s != slot_id}
        self.extern[index] = slot_id
        return previous

    def remove_from_monitor(self, index: int) -> str:
        if index not in self.extern:
            raise LayoutError(f"no video slot was moved to monitor {index}")
        return self.extern.pop(index)

    def set_current_monitor(self, index: int) -> bool:
        if self.monitors.monitor(index) is None:
            raise LayoutError(f"no monitor with index {index}")
        changed = index != self.monitors.current
        self.monitors.current = index
        self.extern.pop(index, None)  # the main window takes that monitor back
        return changed

    # --- reports ----------------------------------------------------------------------------
    def monitor_fields(self, index: int) -> dict[str, Any]:
        monitor = self.monitors.monitor(index) or {}
        return {
            "monitorDisplayName": monitor.get("name", ""),
            "monitorIdx": index,
            "monitorIsPrimary": bool(monitor.get("primary")),
        }

    def snapshot(self) -> dict[str, Any]:
        """The body of getVideoMatrix and videoMatrixChanged."""
        width, height = self.monitors.size(self.monitors.current)
        shown = self.visible()
        participants = []
        for slot, rect in zip(shown, slot_rects(self.matrix_type, len(shown), width, height), strict=True):
            participants.append(
                {
                    "peerId": slot.id,
                    "peerDn": self.name_of(slot),
                    "left": rect.left,
                    "top": rect.top,
                    "width": rect.width,
                    "height": rect.height,
                }
            )
        extern = [
            {"callId": slot_id, "peerDn": self.name_of(self.slot(slot_id)), **self.monitor_fields(index)}
            for index, slot_id in sorted(self.extern.items())
        ]
        return {
            "matrixType": self.matrix_type,
            "mainWindowWidth": width,
            "mainWindowHeight": height,
            "selfViewMode": SELF_VIEW_IN_LAYOUT,
            "participants": participants,
            "externVideoSlots": extern,
            "hiddenVideoSlots": list(self.hidden),
        }
