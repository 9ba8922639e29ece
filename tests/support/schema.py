"""Checks every message a test client receives against the spec's fields for its name."""

from __future__ import annotations

from typing import Any

from meetroom.api.catalog import missing_fields


class SchemaRecorder:
    def __init__(self) -> None:
        self.seen = 0
        self.problems: list[str] = []

    def __call__(self, message: dict[str, Any]) -> None:
        self.seen += 1
        name = message.get("event") if message.get("method") == "event" else message.get("method")
        missing = missing_fields(message)
        if missing:
            self.problems.append(f"{name}: missing {missing} in {message}")
        if message.get("method") != "event" and "result" not in message:
            self.problems.append(f"{name}: reply without result")
        if "appState" in message and message["appState"] not in range(7):
            self.problems.append(f"{name}: appState out of range")
