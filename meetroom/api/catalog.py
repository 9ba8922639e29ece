"""The API facts the room needs at run time, read from the bundled catalog.json.

catalog.json is generated from the team's spec by tools/gen_catalog.py; it says which commands
exist, their parameters and access level, and which fields every reply and notification carries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool


@dataclass(frozen=True)
class CommandInfo:
    name: str
    admin_only: bool
    params: tuple[Param, ...]
    required_fields: tuple[str, ...]
    emits: tuple[str, ...]


@cache
def _raw() -> dict[str, Any]:
    text = resources.files("meetroom.api").joinpath("catalog.json").read_text()
    return json.loads(text)


def raw() -> dict[str, Any]:
    """The whole catalog as stored: commands and notifications with every field (the AsyncAPI document)."""
    return _raw()


@cache
def commands() -> dict[str, CommandInfo]:
    out = {}
    for name, entry in _raw()["commands"].items():
        out[name] = CommandInfo(
            name=name,
            admin_only=entry["admin_only"],
            params=tuple(Param(p["name"], p["type"], p["required"]) for p in entry["params"]),
            required_fields=tuple(f["name"] for f in entry["response"] if f["required"]),
            emits=tuple(entry["emits"]),
        )
    return out


@cache
def notification_fields() -> dict[str, tuple[str, ...]]:
    return {
        name: tuple(f["name"] for f in entry["fields"] if f["required"])
        for name, entry in _raw()["notifications"].items()
    }


def missing_fields(message: dict[str, Any]) -> list[str]:
    """Fields the spec lists for this reply or notification that the message lacks.

    Failed replies only need the envelope and `error`; the spec's fields describe success.
    """
    method = message.get("method")
    if method == "event":
        needed: tuple[str, ...] = ("event", *notification_fields().get(message.get("event"), ()))
    else:
        info = commands().get(method)  # type: ignore[arg-type]
        if message.get("result") is False:
            needed = ("requestId", "result", "error")
        else:
            needed = ("requestId", "result", *(info.required_fields if info else ()))
    return [name for name in needed if name not in message]
