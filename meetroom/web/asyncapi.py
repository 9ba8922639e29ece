"""GET /api/asyncapi.json: the control API as an AsyncAPI 3.0 document (meetroom/api/asyncapi.py).

It describes the API and which parts this room implements, nothing about the room's state, so
it is served to anyone like the web manager's own files. Built once, off the event loop (reading
the package's source for the notifications it sends takes about half a second), then kept.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

from meetroom.api.asyncapi import document_text

if TYPE_CHECKING:
    from meetroom.web.surface import RoomSurface


def install(room: RoomSurface, app: web.Application) -> None:
    built: list[asyncio.Future[str]] = []

    async def asyncapi(request: web.Request) -> web.Response:
        if not built:
            built.append(asyncio.ensure_future(asyncio.to_thread(document_text, room.dispatcher.registry)))
        text = await asyncio.shield(built[0])
        return web.Response(text=text, content_type="application/json")

    app.router.add_get("/api/asyncapi.json", asyncapi)
