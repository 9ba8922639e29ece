"""One control connection: its role, API version and outgoing queue.

Replies and notifications share one queue so a client sees them in the order the room
produced them; a client that stops reading is disconnected instead of growing memory.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from meetroom.core.addresses import is_loopback

log = logging.getLogger(__name__)

ADMIN = "admin"
USER = "user"
OUTBOX_LIMIT = 5000

_ids = itertools.count(1)
# One encoder for all sessions: json.dumps with options builds a new encoder per call, which
# doubled the cost of every reply (bench/api_latency.py).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode(message: dict[str, Any]) -> str:
    return _ENCODER.encode(message)


SendText = Callable[[str], Awaitable[None]]
CloseFunc = Callable[[int, str], Awaitable[None]]


class Session:
    def __init__(self, peer_host: str, send_text: SendText, close: CloseFunc) -> None:
        self.id = next(_ids)
        self.peer_host = peer_host
        self.role: str | None = None
        self.api_version = "1"
        self.auth_kind: str | None = None  # protection type that authorised this session
        self.origin: str | None = None  # browser pages send one; other clients do not
        self._send_text = send_text
        self._close = close
        self._outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self._writer = asyncio.create_task(self._drain(), name=f"session-{self.id}-writer")
        self.closed = False
        self._closer: asyncio.Task | None = None

    @property
    def is_loopback(self) -> bool:
        return is_loopback(self.peer_host)

    @property
    def authorised(self) -> bool:
        return self.role is not None

    def send(self, message: dict[str, Any]) -> None:
        self.send_encoded(encode(message))

    def send_encoded(self, text: str) -> None:
        """Queue an already encoded message (a notification is encoded once for all sessions)."""
        if self.closed:
            return
        if self._outbox.qsize() >= OUTBOX_LIMIT:
            log.warning("session %s is not reading; closing it", self.id)
            self.closed = True
            self._closer = asyncio.create_task(self._close(1008, "client too slow to read"))
            return
        self._outbox.put_nowait(text)

    async def _drain(self) -> None:
        while True:
            text = await self._outbox.get()
            if text is None:
                return
            try:
                try:
                    await self._send_text(text)
                except UnicodeEncodeError:
                    # A lone surrogate (from a file name, a peer, ...) cannot go out as UTF-8; inside a
                    # JSON string its backslash form is the JSON escape for the same character.
                    await self._send_text(text.encode("utf-8", "backslashreplace").decode("utf-8"))
            except (ConnectionError, RuntimeError):
                self.closed = True
                return

    async def disconnect(self, code: int, reason: str) -> None:
        self.closed = True
        await self._close(code, reason)

    async def flush_and_stop(self) -> None:
        """Let queued messages go out, then stop the writer."""
        self._outbox.put_nowait(None)
        try:
            await asyncio.wait_for(self._writer, timeout=2)
        except (TimeoutError, asyncio.CancelledError):
            self._writer.cancel()
        self.closed = True
