"""The WebSocket control API: one session per connection, frames handled strictly in order."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from meetroom.api.envelope import failure
from meetroom.web.wsloop import ControlSocket, answer_frames, socket_session

if TYPE_CHECKING:
    from meetroom.web.surface import RoomSurface

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 1 << 20  # larger frames close the connection with 1009
BINARY_REFUSAL = failure("", "", "binary frames are not supported; send JSON text frames")


def peer_host(request: web.Request) -> str:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return str(peer[0]) if peer else ""


def build_ws_app(room: RoomSurface) -> web.Application:
    async def handle(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return web.Response(status=426, text="this port speaks the WebSocket control API\n")
        ws = ControlSocket(max_msg_size=MAX_MESSAGE_BYTES, heartbeat=None, compress=False)
        await ws.prepare(request)
        session = socket_session(peer_host(request), ws)
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

        def authorised_yet() -> None:
            if session.authorised:
                room.guard.forget(request.protocol)  # no deadline and no cap once authorised

        try:
            await answer_frames(
                ws,
                session,
                lambda text: room.dispatcher.dispatch(session, text),
                binary_reply=BINARY_REFUSAL,
                after_frame=authorised_yet,
            )
        finally:
            room.detach(session)
            await session.flush_and_stop()
        return ws

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    return app
