"""One control connection: its role, API version and outgoing queue.

Replies and notifications share one queue so a client sees them in the order the room
produced them; a client that stops reading is disconnected instead of growing memory: the queue
is bounded in bytes (OUTBOX_LIMIT_BYTES) as well as in messages, and on overflow the queued
messages are dropped at once and the connection is closed with 1008, or cut if even the close
frame cannot be delivered within CLOSE_TIMEOUT.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from meetroom.core.addresses import is_loopback

log = logging.getLogger(__name__)

ADMIN = "admin"
USER = "user"
OUTBOX_LIMIT = 5000  # messages
OUTBOX_LIMIT_BYTES = 4 << 20  # characters of encoded JSON waiting to go out (one larger message may pass alone)
CLOSE_TIMEOUT = 5.0

_ids = itertools.count(1)
# One encoder for all sessions: json.dumps with options builds a new encoder per call, which
# doubled the cost of every reply (bench/api_latency.py).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode(message: dict[str, Any]) -> str:
    return _ENCODER.encode(message)


SendText = Callable[[str], Awaitable[None]]
CloseFunc = Callable[[int, str], Awaitable[None]]
AbortFunc = Callable[[], None]


class Session:
    def __init__(self, peer_host: str, send_text: SendText, close: CloseFunc, abort: AbortFunc | None = None) -> None:
        self.id = next(_ids)
        self.peer_host = peer_host
        self.role: str | None = None
        self.api_version = "1"
        self.auth_kind: str | None = None  # protection type that authorised this session
        self.origin: str | None = None  # browser pages send one; other clients do not
        self._send_text = send_text
        self._close = close
        self._abort = abort
        self._outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self._queued = 0  # characters in the outbox
        self._idle = asyncio.Event()  # nothing queued or being sent
        self._idle.set()
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
        size = len(text)
        if self._outbox.qsize() >= OUTBOX_LIMIT or (self._queued and self._queued + size > OUTBOX_LIMIT_BYTES):
            self._overflow()
            return
        self._queued += size
        self._idle.clear()
        self._outbox.put_nowait(text)

    @property
    def queued_bytes(self) -> int:
        return self._queued

    def _overflow(self) -> None:
        log.warning(
            "session %s from %s is not reading (%d messages, %d bytes queued); closing it",
            self.id,
            self.peer_host,
            self._outbox.qsize(),
            self._queued,
        )
        self.closed = True
        self._writer.cancel()  # the writer waits for a reader that never comes
        self._outbox = asyncio.Queue()  # the queued messages go now, not when the socket does
        self._queued = 0
        self._idle.set()
        self._closer = asyncio.create_task(self._close_or_cut(1008, "client too slow to read"))

    async def _close_or_cut(self, code: int, reason: str) -> None:
        try:
            await asyncio.wait_for(self._close(code, reason), CLOSE_TIMEOUT)
        except (TimeoutError, ConnectionError, RuntimeError):
            pass
        finally:
            if self._abort is not None:
                self._abort()  # whatever is still buffered for this socket is released

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
            finally:
                self._queued = max(0, self._queued - len(text))
                if self._outbox.empty():
                    self._idle.set()

    async def flush(self, timeout: float) -> bool:
        """Wait until everything queued so far has been handed to the socket (bounded)."""
        if self.closed or self._writer.done():
            return False
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

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
        if self._closer is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._closer
