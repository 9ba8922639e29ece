"""The token rule every /frames/, /files/ and /slides/ request obeys (a `token` query parameter)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from meetroom.web.surface import RoomSurface

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def refuse_without_token(room: RoomSurface, request: web.Request) -> web.Response | None:
    """None when the request carries a valid HTTP token, else the 401 answer to send."""
    token = request.query.get("token")
    if not token:
        return web.Response(status=401, text="token missing: add ?token=<tokenForHttpServer>\n")
    if not room.access.http_token_valid(token):
        return web.Response(status=401, text="token invalid or expired: get a new one with getTokenForHttpServer\n")
    return None


def token_required(room: RoomSurface) -> Callable[[Handler], Handler]:
    """Decorate a route handler so that it runs only for requests with a valid HTTP token."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            refused = refuse_without_token(room, request)
            if refused is not None:
                return refused
            return await handler(request)

        return guarded

    return wrap
