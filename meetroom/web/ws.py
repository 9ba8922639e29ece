"""The WebSocket control API: one session per connection, frames handled strictly in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import WSCloseCode, WSMsgType, web

from meetroom.api.dispatcher import dispatch
from meetroom.api.envelope import failure
from meetroom.api.session import Session

if TYPE_CHECKING:
    from meetroom.app import Room

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 1 << 20  # larger frames close the connection with 1009
FLUSH_BEFORE_CLOSE = 5.0  # replies already produced go out before the close frame, for this long at most
LINGER_SECONDS = 3.0  # after an error close, the rest of the client's data is read and dropped this long
# Closes caused by what the client sent: it may still be sending (the rest of an oversized frame),
# and closing a socket with unread input makes the kernel reset it, which loses the replies and the
# close frame still on their way to the client.
_LINGER_CODES = frozenset({WSCloseCode.MESSAGE_TOO_BIG, WSCloseCode.INVALID_TEXT, WSCloseCode.PROTOCOL_ERROR})


class ControlSocket(web.WebSocketResponse):
    """aiohttp's WebSocket with two changes at close.

    - `before_close` runs first (the session flushes its queued replies, so they precede the close
      frame that aiohttp sends when a frame is too large);
    - after a close caused by bad input the socket is half-closed (FIN after the close frame) and
      keeps reading and dropping input until the client hangs up or LINGER_SECONDS pass.
    """

    before_close: Callable[[], Awaitable[object]] | None = None
    lingering: asyncio.Task | None = None
    _linger_after = False

    async def close(self, *, code: int = WSCloseCode.OK, message: bytes = b"", drain: bool = True) -> bool:
        hook, self.before_close = self.before_close, None
        if hook is not None and not self.closed:
            await hook()
        self._linger_after = self._linger_after or code in _LINGER_CODES
        return await super().close(code=code, message=message, drain=drain)

    def _close_transport(self) -> None:
        transport = self._req.transport if self._req is not None else None
        if transport is None or transport.is_closing() or not self._linger_after:
            super()._close_transport()
            return
        if self.lingering is None:
            self.lingering = asyncio.get_running_loop().create_task(_linger(transport))

    def abort(self) -> None:
        if self._req is not None and self._req.transport is not None:
            self._req.transport.abort()


async def _linger(transport: asyncio.BaseTransport) -> None:
    """Half-close, read and drop the client's remaining data, then close (bounded)."""
    try:
        if isinstance(transport, asyncio.WriteTransport) and transport.can_write_eof():
            transport.write_eof()
        if isinstance(transport, asyncio.ReadTransport):
            transport.resume_reading()
    except (OSError, RuntimeError):
        transport.close()
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LINGER_SECONDS
    with contextlib.suppress(asyncio.CancelledError):
        while not transport.is_closing() and loop.time() < deadline:  # the client's FIN closes it
            await asyncio.sleep(0.05)
    transport.close()


def peer_host(request: web.Request) -> str:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return str(peer[0]) if peer else ""


def build_ws_app(room: Room) -> web.Application:
    async def handle(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return web.Response(status=426, text="this port speaks the WebSocket control API\n")
        ws = ControlSocket(max_msg_size=MAX_MESSAGE_BYTES, heartbeat=None, compress=False)
        await ws.prepare(request)
        session = Session(
            peer_host(request), ws.send_str, lambda code, text: ws.close(code=code, message=text.encode()), ws.abort
        )
        ws.before_close = lambda: session.flush(FLUSH_BEFORE_CLOSE)
        session.origin = request.headers.get("Origin")
        room.attach(session)
        limit = room.connection_limits().auth_timeout
        closer: list[asyncio.Task] = []
        room.guard.set_timeout_action(
            request.protocol,
            lambda: closer.append(
                asyncio.create_task(session.disconnect(1008, f"not authorised within {limit:g} s: send 'auth' first"))
            ),
        )
        try:
            async for frame in ws:
                if session.closed:  # disconnected for not reading: what it sends is not handled any more
                    break
                if frame.type == WSMsgType.TEXT:
                    session.send(await dispatch(room, session, frame.data))
                    if session.authorised:
                        room.guard.forget(request.protocol)  # no deadline and no cap once authorised
                elif frame.type == WSMsgType.BINARY:
                    session.send(failure("", "", "binary frames are not supported; send JSON text frames"))
                elif frame.type == WSMsgType.ERROR:
                    break
        finally:
            room.detach(session)
            await session.flush_and_stop()
            if ws.lingering is not None:
                await ws.lingering
        return ws

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    return app
