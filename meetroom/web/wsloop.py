"""The frame loop the room's two WebSockets share (control API and main screen).

Each text frame gets exactly one reply, and the next frame is read only after it: one
connection's messages are handled in order. What a frame means is the caller's `handle`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from meetroom.api.session import Session

TextHandler = Callable[[str], Awaitable[dict[str, Any]]]

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


def socket_session(peer: str, ws: web.WebSocketResponse) -> Session:
    """A session whose messages go out on this socket, and which closes it with a code and reason.

    On a ControlSocket the session's queued replies are flushed before any close frame, and a
    session that stops reading can cut the socket.
    """
    abort = ws.abort if isinstance(ws, ControlSocket) else None
    session = Session(peer, ws.send_str, lambda code, text: ws.close(code=code, message=text.encode()), abort)
    if isinstance(ws, ControlSocket):
        ws.before_close = lambda: session.flush(FLUSH_BEFORE_CLOSE)
    return session


async def answer_frames(
    ws: web.WebSocketResponse,
    session: Session,
    handle: TextHandler,
    *,
    binary_reply: dict[str, Any] | None = None,
    after_frame: Callable[[], None] | None = None,
) -> None:
    """Reply to every text frame until the socket closes; binary frames get `binary_reply`, if any.

    `after_frame` runs after each reply is queued. A session closed for not reading ends the loop:
    what it sends is not handled any more.
    """
    async for frame in ws:
        if session.closed:
            break
        if frame.type == WSMsgType.TEXT:
            session.send(await handle(frame.data))
        elif frame.type == WSMsgType.BINARY:
            if binary_reply is not None:
                session.send(binary_reply)
        elif frame.type == WSMsgType.ERROR:
            break
        if after_frame is not None:
            after_frame()
    if isinstance(ws, ControlSocket) and ws.lingering is not None:
        await ws.lingering
