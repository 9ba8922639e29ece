"""Shapes of replies and notifications, so every message keeps the wire rules in one place."""

from __future__ import annotations

from typing import Any

from meetroom.core.errors import DomainError


class CommandError(DomainError):
    """Raised by a handler to answer `result:false`; extra fields go into the reply as they are.

    A DomainError like any other, so the dispatcher maps both the same way; handlers raise it for
    refusals about the request itself (its parameters), services raise their own DomainErrors.
    """


def reply(method: str, request_id: Any, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"method": method, "requestId": request_id}
    if fields:
        message.update(fields)
    message.setdefault("result", True)
    return message


def failure(method: str, request_id: Any, error: str, **extra: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"method": method, "requestId": request_id, "result": False}
    message.update(extra)
    message["error"] = error
    return message


def notification(event: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"method": "event", "event": event}
    if fields:
        message.update(fields)
    return message
