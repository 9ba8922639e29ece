"""Connections that have not proven anything yet: deadlines and caps, for both ports.

A connection is *pending* from the moment it is accepted until it sent a complete HTTP request
(HTTP port) or, on the WebSocket port, until it authenticated. A pending connection is closed
when its deadline passes: `connectionIdleTimeout` for the request or handshake, then
`authTimeout` for `auth` after the handshake. Pending connections are capped per address and in
total; a newcomer over a cap makes room by closing the oldest pending connection (of its own
address, or of the address with the most), so a flood of idle sockets can neither use up the
open-file limit nor keep the owner out: the owner's own connection is new, and it stops being
pending as soon as it authenticates.

aiohttp's server has no deadline for a first request, so this hooks its connection callbacks:
`watch(runner.server)` right after the runner's setup.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

HTTP, WEBSOCKET = "http", "websocket"


@dataclass
class Limits:
    idle_timeout: float = 30.0  # until a complete request / WebSocket handshake
    auth_timeout: float = 30.0  # from the handshake until `auth` succeeded
    per_address: int = 32
    total: int = 512


@dataclass
class _Pending:
    address: str
    transport: asyncio.Transport
    timer: asyncio.TimerHandle | None = None
    on_timeout: Callable[[], None] | None = None


def open_file_limit() -> int:
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def raise_open_file_limit() -> tuple[int, int]:
    """Raise the soft RLIMIT_NOFILE to the hard limit; returns (before, after)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return soft, soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError) as exc:
        log.warning("cannot raise the open-file limit from %d to %d: %s", soft, target, exc)
        return soft, soft
    return soft, target


@dataclass
class ConnectionGuard:
    limits: Callable[[], Limits] = Limits
    pending: dict[Any, _Pending] = field(default_factory=dict)  # by aiohttp's RequestHandler (protocol)
    closed_idle: int = 0
    evicted: int = 0

    def total_cap(self) -> int:
        """The total cap, never more than half of the open-file limit (the rest is the room's own)."""
        return max(8, min(self.limits().total, open_file_limit() // 2))

    # --- hooks into aiohttp -------------------------------------------------------------
    def watch(self, server: web.Server | None, kind: str) -> None:
        if server is None:
            return
        made, lost, handle = server.connection_made, server.connection_lost, server.request_handler

        def connection_made(handler: Any, transport: asyncio.Transport) -> None:
            made(handler, transport)
            self.opened(handler, transport)

        def connection_lost(handler: Any, exc: BaseException | None) -> None:
            self.forget(handler)
            lost(handler, exc)

        async def request_handler(request: web.BaseRequest) -> web.StreamResponse:
            if kind == HTTP:
                self.forget(request.protocol)  # a complete request: the keep-alive timeout takes over
            else:
                self.handshake_done(request.protocol)
            return await handle(request)

        server.connection_made = connection_made  # type: ignore[method-assign]
        server.connection_lost = connection_lost  # type: ignore[method-assign]
        server.request_handler = request_handler

    # --- the rules ------------------------------------------------------------------------
    def opened(self, handler: Any, transport: asyncio.Transport) -> None:
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if peer else ""
        limits = self.limits()
        by_address = Counter(p.address for p in self.pending.values())
        if by_address[address] >= limits.per_address:
            self._evict(address)
        if len(self.pending) >= self.total_cap():
            busiest = by_address.most_common(1)[0][0] if by_address else address
            self._evict(busiest)
        record = _Pending(address, transport)
        self.pending[handler] = record
        self._arm(handler, record, limits.idle_timeout)

    def handshake_done(self, handler: Any, on_timeout: Callable[[], None] | None = None) -> None:
        """The WebSocket handshake arrived: now `auth` has authTimeout."""
        record = self.pending.get(handler)
        if record is not None:
            record.on_timeout = on_timeout
            self._arm(handler, record, self.limits().auth_timeout)

    def set_timeout_action(self, handler: Any, on_timeout: Callable[[], None]) -> None:
        record = self.pending.get(handler)
        if record is not None:
            record.on_timeout = on_timeout

    def forget(self, handler: Any) -> None:
        """No longer pending: it made its request or authenticated (or it is gone)."""
        record = self.pending.pop(handler, None)
        if record is not None and record.timer is not None:
            record.timer.cancel()

    def _arm(self, handler: Any, record: _Pending, timeout: float) -> None:
        if record.timer is not None:
            record.timer.cancel()
        record.timer = asyncio.get_running_loop().call_later(timeout, self._expire, handler)

    def _expire(self, handler: Any) -> None:
        record = self.pending.pop(handler, None)
        if record is None:
            return
        self.closed_idle += 1
        if record.on_timeout is not None:
            record.on_timeout()  # a WebSocket gets a close frame telling why
        else:
            record.transport.abort()

    def _evict(self, address: str) -> None:
        """Close the oldest pending connection of `address` (dicts keep insertion order)."""
        for handler, record in self.pending.items():
            if record.address == address:
                self.pending.pop(handler)
                if record.timer is not None:
                    record.timer.cancel()
                self.evicted += 1
                if self.evicted in (1, 100, 1000) or self.evicted % 10000 == 0:
                    log.warning(
                        "too many connections that sent nothing useful yet (%d pending, latest from %s); "
                        "closing the oldest (%d so far)",
                        len(self.pending) + 1,
                        address,
                        self.evicted,
                    )
                record.transport.abort()
                return
