"""The frame loop the room's two WebSockets share (control API and main screen).

Each text frame gets exactly one reply, and the next frame is read only after it: one
connection's messages are handled in order. What a frame means is the caller's `handle`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

from meetroom.api.session import Session

TextHandler = Callable[[str], Awaitable[dict[str, Any]]]


def socket_session(peer: str, ws: web.WebSocketResponse) -> Session:
    """A session whose messages go out on this socket, and which closes it with a code and reason."""
    return Session(peer, ws.send_str, lambda code, text: ws.close(code=code, message=text.encode()))


async def answer_frames(
    ws: web.WebSocketResponse,
    session: Session,
    handle: TextHandler,
    *,
    binary_reply: dict[str, Any] | None = None,
) -> None:
    """Reply to every text frame until the socket closes; binary frames get `binary_reply`, if any."""
    async for frame in ws:
        if frame.type == WSMsgType.TEXT:
            session.send(await handle(frame.data))
        elif frame.type == WSMsgType.BINARY:
            if binary_reply is not None:
                session.send(binary_reply)
        elif frame.type == WSMsgType.ERROR:
            break
