"""Where an instance keeps its state and publishes config.json.

Clients find the room's ports through config.json, at the path the product documents for each
OS; when that path is not writable (an unprivileged user) the file goes to the instance's data
directory instead, and `--data-dir` puts everything there.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

PRODUCTS = {"room": ("room", "Room"), "videosdk": ("videosdk", "VideoSDK")}
DEFAULT_INSTANCE = "default"


def documented_config_dir(product: str, instance: str, platform: str, env: Mapping[str, str]) -> PurePath:
    """The product's own config.json folder for this OS (Linux or Windows rules)."""
    linux_name, windows_name = PRODUCTS[product]
    if platform.startswith("win"):
        program_data = env.get("ProgramData") or env.get("PROGRAMDATA") or r"C:\ProgramData"
        return PureWindowsPath(program_data, "TrueConf", windows_name, "web", instance)
    return PurePosixPath("/opt/trueconf", linux_name, "var/lib/room", instance)


def default_data_dir(product: str, instance: str, platform: str, env: Mapping[str, str]) -> PurePath:
    if platform.startswith("win"):
        base = env.get("LOCALAPPDATA") or str(PureWindowsPath(env.get("USERPROFILE", "C:\\"), "AppData", "Local"))
        return PureWindowsPath(base, "meetroom", product, instance)
    base = env.get("XDG_DATA_HOME") or str(PurePosixPath(env.get("HOME", "/tmp"), ".local/share"))
    return PurePosixPath(base, "meetroom", product, instance)


def _writable_dir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK)


def config_json_path(product: str, instance: str, data_dir: Path, data_dir_given: bool) -> Path:
    if not data_dir_given:
        documented = Path(documented_config_dir(product, instance, sys.platform, os.environ))
        if _writable_dir(documented):
            return documented / "config.json"
    return data_dir / "config.json"


def config_document(ws_port: int, http_port: int) -> dict:
    return {"config": {"websocket": {"hostname": None, "port": ws_port}, "http": {"hostname": None, "port": http_port}}}


def write_config_json(path: Path, ws_port: int, http_port: int) -> None:
    """Replace the file atomically so a client never reads half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(config_document(ws_port, http_port)))
    os.replace(tmp, path)
