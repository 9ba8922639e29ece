"""Which cameras, microphones and speakers the machine has.

The virtual devices always exist, so a headless machine is a complete room. Real devices are
found the cheap way, without opening them: V4L2 capture nodes through sysfs, ALSA PCMs through
/proc/asound/pcm. MEETROOM_DEVICE_ROOT points both at another tree (tests fake a hot-plug so).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Device `type` codes reported to clients: a device of the machine, or one meetroom provides.
TYPE_SYSTEM = 0
TYPE_VIRTUAL = 1

VIRTUAL_CAMERA = "virtual:test-pattern"
VIRTUAL_MIC = "virtual:tone"
VIRTUAL_SILENT_MIC = "virtual:silence"
VIRTUAL_SPEAKER = "virtual:null"
NONE = "none"


@dataclass(frozen=True)
class Device:
    name: str
    description: str  # the stable identifier clients send back
    type: int
    kind: str  # "camera", "mic" or "speaker"
    path: str = ""  # what PyAV opens (/dev/video0, hw:0,0)

    @property
    def virtual(self) -> bool:
        return self.type == TYPE_VIRTUAL

    def entry(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "description": self.description, "type": self.type}
        if self.kind == "camera":
            out["connected"] = True
        return out


VIRTUAL_DEVICES = (
    Device("meetroom test pattern", VIRTUAL_CAMERA, TYPE_VIRTUAL, "camera"),
    Device("meetroom tone generator", VIRTUAL_MIC, TYPE_VIRTUAL, "mic"),
    Device("meetroom silence", VIRTUAL_SILENT_MIC, TYPE_VIRTUAL, "mic"),
    Device("meetroom null speaker", VIRTUAL_SPEAKER, TYPE_VIRTUAL, "speaker"),
)


def _root() -> Path:
    return Path(os.environ.get("MEETROOM_DEVICE_ROOT", "/"))


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace").strip()
    except OSError:
        return ""


def v4l2_cameras(root: Path) -> list[Device]:
    """Video capture nodes; metadata nodes (index > 0 of the same device) are skipped."""
    found = []
    sysfs = root / "sys/class/video4linux"
    try:
        nodes = sorted(sysfs.iterdir(), key=lambda p: p.name)
    except OSError:
        return []
    for node in nodes:
        if not node.name.startswith("video"):
            continue
        index = _read(node / "index")
        if index not in ("", "0"):
            continue
        name = _read(node / "name") or node.name
        dev = f"/dev/{node.name}"
        path = dev if root == Path("/") else str(root / "dev" / node.name)  # another tree has its own /dev
        found.append(Device(name, f"v4l2:{dev}", TYPE_SYSTEM, "camera", path))
    return found


def alsa_devices(root: Path) -> list[Device]:
    """PCMs from /proc/asound/pcm: `CC-DD: id : name : playback 1 : capture 1`."""
    text = _read(root / "proc/asound/pcm")
    found = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split(":")]
        if len(parts) < 3 or "-" not in parts[0]:
            continue
        card, _, dev = parts[0].partition("-")
        if not (card.isdigit() and dev.isdigit()):
            continue
        hw = f"hw:{int(card)},{int(dev)}"
        label = parts[2] or parts[1]
        caps = " ".join(parts[3:])
        if "capture" in caps:
            found.append(Device(label, f"alsa:{hw}", TYPE_SYSTEM, "mic", hw))
        if "playback" in caps:
            found.append(Device(label, f"alsa:{hw}", TYPE_SYSTEM, "speaker", hw))
    return found


def scan() -> list[Device]:
    """Every device of every kind, virtual ones first."""
    root = _root()
    return [*VIRTUAL_DEVICES, *v4l2_cameras(root), *alsa_devices(root)]


def of_kind(devices: list[Device], kind: str) -> list[Device]:
    return [d for d in devices if d.kind == kind]


def find(devices: list[Device], kind: str, name: str, description: str) -> Device | None:
    """A device by its identifier (description), else by its name."""
    candidates = of_kind(devices, kind)
    for device in candidates:
        if device.description == description:
            return device
    for device in candidates:
        if device.name == name and not description:
            return device
    return None
