"""A Room and an API session built in-process: the dispatcher without a socket or a subprocess."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from meetroom.api.session import Session
from meetroom.app import Room, RoomOptions


async def _sent(text: str) -> None:
    return None


async def _closed(code: int, reason: str) -> None:
    return None


def loopback_session() -> Session:
    """An API session from 127.0.0.1 whose frames go nowhere (the reply is the return value)."""
    return Session("127.0.0.1", _sent, _closed)


def build_room(data_dir: Path, **kwargs: Any) -> Room:
    return Room(RoomOptions(host="127.0.0.1", data_dir=data_dir, data_dir_given=True), **kwargs)


def request(method: str, **params: Any) -> str:
    return json.dumps({"method": method, "requestId": 7, **params})
