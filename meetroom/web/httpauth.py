"""The token rule every /frames/ and /files/ request obeys (a `token` query parameter)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from meetroom.app import Room


def refuse_without_token(room: Room, request: web.Request) -> web.Response | None:
    """None when the request carries a valid HTTP token, else the 401 answer to send."""
    token = request.query.get("token")
    if not token:
        return web.Response(status=401, text="token missing: add ?token=<tokenForHttpServer>\n")
    if not room.access.http_token_valid(token):
        return web.Response(status=401, text="token invalid or expired: get a new one with getTokenForHttpServer\n")
    return None
