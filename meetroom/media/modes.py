"""Capture modes ("1280x720@30") and the camera pins ("inputs") a device offers."""

from __future__ import annotations

import re

MODES = ("640x360@15", "640x360@30", "1280x720@15", "1280x720@30")
DEFAULT_MODE = "1280x720@30"
PATTERN_PIN = "Test pattern"
CAMERA_PIN = "Camera"

_MODE = re.compile(r"^(\d{2,5})x(\d{2,5})@(\d{1,3})$")


def parse_mode(mode: str) -> tuple[int, int, int]:
    """(width, height, fps) of a mode name, or ValueError."""
    match = _MODE.match(mode)
    if not match:
        raise ValueError(f"mode '{mode}' is not WIDTHxHEIGHT@FPS")
    width, height, fps = (int(g) for g in match.groups())
    return width, height, fps


def pins_for(virtual: bool) -> list[str]:
    return [PATTERN_PIN] if virtual else [CAMERA_PIN]
