"""Turns one incoming text frame into exactly one reply, whatever the frame holds.

The dispatcher is given its registry and a way to build a handler's context, so it answers
exactly the commands its room was assembled with and reaches for nothing global.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from meetroom.api.envelope import failure, reply
from meetroom.api.registry import Registry, validate_params
from meetroom.api.session import ADMIN, Session
from meetroom.core.errors import DomainError

if TYPE_CHECKING:
    from meetroom.api.context import CommandContext

log = logging.getLogger(__name__)

MAX_METHOD_LENGTH = 128


def _request_id(message: dict[str, Any]) -> Any:
    value = message.get("requestId", "")
    if value is None:
        return ""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return value
    return ""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(message: Any) -> bool:
    """Escaped pairs (emoji) are fine; a lone half cannot be stored or sent on as UTF-8."""
    try:
        json.dumps(message, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError):  # too deep to check is refused as well
        return True
    return False


def parse(text: str) -> dict[str, Any] | str:
    """The request object, or the reason it is not one.

    NaN and Infinity (also as 1e999) are refused: Python would accept them, store them and echo
    them back in replies and notifications that are then not JSON for any other client.
    """
    try:
        message = _DECODER.decode(text)
    except (ValueError, RecursionError) as exc:
        return f"invalid JSON: {str(exc)[:120]}"
    if not isinstance(message, dict):
        return f"a request must be a JSON object, got {type(message).__name__}"
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(message):
        return "invalid JSON: a \\u escape encodes a lone surrogate, which is not a character"
    return message


ContextFactory = Callable[[Session], "CommandContext"]


@dataclass(frozen=True)
class Grant:
    """What one of the room's own channels may run: no auth, no role, no control slot.

    The main screen is part of the room, not a client; it gets exactly these commands and is
    never treated as an administrator, so nothing else of the API is open to it.
    """

    holder: str  # names the channel in refusals, e.g. "the main screen"
    methods: frozenset[str]


class Dispatcher:
    """One room's way from a frame to a reply: its registry, and the context its handlers get."""

    def __init__(
        self, registry: Registry, context: ContextFactory, ready: Callable[[str], Awaitable[None]] | None = None
    ) -> None:
        """`ready(method)` is awaited before a handler runs: a room still building services makes a command wait."""
        self.registry = registry
        self._context = context
        self._ready = ready

    async def dispatch(self, session: Session, text: str, grant: Grant | None = None) -> dict[str, Any]:
        parsed = parse(text)
        if isinstance(parsed, str):
            return failure("", "", parsed)
        request_id = _request_id(parsed)
        method = parsed.get("method")
        if not isinstance(method, str) or not method:
            return failure("", request_id, "request has no 'method' string")
        if len(method) > MAX_METHOD_LENGTH:
            return failure("", request_id, "method name too long")
        if "requestId" in parsed and parsed["requestId"] is not None and request_id == "":
            return failure(method, "", "'requestId' must be a string or a number")
        if method == "event":  # echoing it would make the reply look like a notification
            return failure("", request_id, "unknown method 'event': that name is reserved for notifications")
        if grant is not None and method not in grant.methods:
            return failure(method, request_id, f"{grant.holder} may not use '{method}'")
        cmd = self.registry.lookup(method)
        if cmd is None:
            return failure(method, request_id, f"unknown method '{method}'")
        if grant is None:
            if not session.authorised and not cmd.pre_auth:
                return failure(method, request_id, "not authorised: send 'auth' first")
            if cmd.admin_only and session.role != ADMIN:
                return failure(method, request_id, f"'{method}' needs administrator rights")
        if cmd.handler is None:
            return failure(method, request_id, f"'{method}' is not available in meetroom yet")
        try:
            validate_params(cmd, parsed)
            if self._ready is not None:
                await self._ready(cmd.name)
            fields = await cmd.handler(self._context(session), parsed)
        except DomainError as exc:  # the one place a refusal becomes result:false
            return failure(method, request_id, exc.error, **exc.extra)
        except Exception:
            log.exception("command %s failed", method)
            return failure(method, request_id, f"internal error while running '{method}'")
        return reply(method, request_id, fields)
