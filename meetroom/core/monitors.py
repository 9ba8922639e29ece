"""The displays the room can show video on.

Without a display server the room reports one virtual Full HD monitor, so that layout
commands and clients that read `monitors[].index` keep working on a headless machine.
"""

from __future__ import annotations

from typing import Any

VIRTUAL_WIDTH, VIRTUAL_HEIGHT = 1920, 1080


def monitors_info(api_version: str) -> dict[str, Any]:
    geometry = {"x": 0, "y": 0, "width": VIRTUAL_WIDTH, "height": VIRTUAL_HEIGHT}
    monitor: dict[str, Any] = {
        "name": "Virtual-1",
        "primary": True,
        "index": 0,
        "ignored": False,
        "geomMonitor": dict(geometry),
        "geomWork": dict(geometry),
        "id": "virtual-0",
    }
    if api_version == "2":
        monitor["deviceInstancePath"] = "virtual/0"
    return {"monitors": [monitor], "currentMonitor": 0}
