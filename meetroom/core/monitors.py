"""The displays the room can show video on.

Without a display server the room reports one virtual Full HD monitor, so that layout
commands and clients that read `monitors[].index` keep working on a headless machine.
MEETROOM_VIRTUAL_MONITORS=N (1..8) lays out N such monitors side by side, index 0 primary, so
that moving video slots to other monitors can be exercised headless too.
"""

from __future__ import annotations

import os
from typing import Any

VIRTUAL_WIDTH, VIRTUAL_HEIGHT = 1920, 1080
MAX_VIRTUAL = 8


def _virtual_count() -> int:
    text = os.environ.get("MEETROOM_VIRTUAL_MONITORS", "1")
    return max(1, min(MAX_VIRTUAL, int(text))) if text.isdigit() else 1


class MonitorSet:
    """The monitors and which one shows the main window."""

    def __init__(self, count: int | None = None) -> None:
        self.count = _virtual_count() if count is None else count
        self.current = 0

    def monitor(self, index: int, api_version: str = "1") -> dict[str, Any] | None:
        if not 0 <= index < self.count:
            return None
        geometry = {"x": index * VIRTUAL_WIDTH, "y": 0, "width": VIRTUAL_WIDTH, "height": VIRTUAL_HEIGHT}
        monitor: dict[str, Any] = {
            "name": f"Virtual-{index + 1}",
            "primary": index == 0,
            "index": index,
            "ignored": False,
            "geomMonitor": dict(geometry),
            "geomWork": dict(geometry),
            "id": f"virtual-{index}",
        }
        if api_version == "2":
            monitor["deviceInstancePath"] = f"virtual/{index}"
        return monitor

    def info(self, api_version: str = "1") -> dict[str, Any]:
        monitors = [self.monitor(i, api_version) for i in range(self.count)]
        return {"monitors": monitors, "currentMonitor": self.current}

    def size(self, index: int) -> tuple[int, int]:
        return VIRTUAL_WIDTH, VIRTUAL_HEIGHT
