"""GET /api/asyncapi.json: the control API as an AsyncAPI 3.0 document (meetroom/api/asyncapi.py).

It describes the API, which parts this room implements and where its API port is, nothing
about the room's state, so it is served to anyone like the web manager's own files. Built
once, off the event loop (reading the package's source for the notifications it sends takes
about half a second), then kept.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiohttp import web

from meetroom.api.asyncapi import build_document

if TYPE_CHECKING:
    from meetroom.web.surface import RoomSurface


def served_text(room: RoomSurface) -> str:
    """The document with this room's own address as the server's defaults (docs/ keeps the generic one)."""
    document = build_document(room.dispatcher.registry)
    variables = document["servers"]["room"]["variables"]
    variables["host"]["default"] = urlsplit(room.web_address()).hostname or "127.0.0.1"
    variables["port"]["default"] = str(room.ws_port)
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def install(room: RoomSurface, app: web.Application) -> None:
    built: list[asyncio.Future[str]] = []

    async def asyncapi(request: web.Request) -> web.Response:
        if not built:
            built.append(asyncio.ensure_future(asyncio.to_thread(served_text, room)))
        text = await asyncio.shield(built[0])
        return web.Response(text=text, content_type="application/json")

    app.router.add_get("/api/asyncapi.json", asyncapi)
