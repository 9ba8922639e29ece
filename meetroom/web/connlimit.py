"""httpServerConnectionsLimit: at most that many client connections are served at once.

Connections are counted by transport when they make their first request; one over the limit
gets 503 and is closed. The limit is read when the server starts, as the setting says.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from meetroom.web.surface import RoomSurface


def install(room: RoomSurface, app: web.Application) -> None:
    limit = room.http_settings.connections_limit
    live: set[asyncio.BaseTransport] = set()

    @web.middleware
    async def limit_connections(request: web.Request, handler: web.Handler) -> web.StreamResponse:
        transport = request.transport
        if transport is not None and transport not in live:
            live.difference_update([t for t in live if t.is_closing()])
            if len(live) >= limit:
                return web.Response(
                    status=503,
                    text=f"too many connections (httpServerConnectionsLimit is {limit})\n",
                    headers={"Connection": "close", "Retry-After": "1"},
                )
            live.add(transport)
        return await handler(request)

    app.middlewares.insert(0, limit_connections)
