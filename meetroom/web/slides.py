"""GET /slides/<fileId>?token=<t>: a slide of the running slideshow, prepared for the screen.

This is the `url` of getSlideShowInfo and slideUploaded. Only slides of a show that is running
are served; a slide not prepared yet is prepared first (ahead of the caching queue).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from meetroom.store.files import parse_id
from meetroom.web.httpauth import token_required

if TYPE_CHECKING:
    from meetroom.web.surface import RoomSurface


def install(room: RoomSurface, app: web.Application) -> None:
    @token_required(room)
    async def slide(request: web.Request) -> web.StreamResponse:
        slides = room.slides
        if not slides.show.started:
            return web.Response(status=404, text="no slideshow is running\n")
        file_id = parse_id(request.match_info["file_id"])
        idx = slides.show.index_of(file_id) if file_id is not None else None
        if idx is None:
            return web.Response(status=404, text="not a slide of the running slideshow\n")
        path = await slides.ready(slides.show.slides[idx])
        if path is None or not path.is_file():
            return web.Response(status=503, text="the slide could not be prepared; try showing it again\n")
        headers = {"Content-Type": "image/jpeg", "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
        return web.FileResponse(path, headers=headers)

    app.router.add_get("/slides/{file_id}", slide)
