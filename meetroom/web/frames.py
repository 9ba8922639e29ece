"""GET /frames/?peerId=<id>&token=<t>: the newest video frame of self view or a participant, as JPEG.

Self view ('#self:0') is captured on demand: a request wakes the pipeline and keeps it running
for a few seconds; the first request after idle waits for one fresh frame. Extra query
parameters (clients add `hash=<random>` against caches) are ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from meetroom.media.framestore import SELF
from meetroom.web.httpauth import token_required

if TYPE_CHECKING:
    from meetroom.web.surface import RoomSurface

FIRST_FRAME_TIMEOUT = 3.0
QUALITY, BEST_QUALITY = 75, 92


def install(room: RoomSurface, app: web.Application) -> None:
    @token_required(room)
    async def frame(request: web.Request) -> web.Response:
        peer = request.query.get("peerId", "")
        if not peer:
            return web.Response(status=400, text="peerId missing: use peerId=%23self%3A0 for self view\n")
        media = room.media
        if peer == SELF:
            was_idle = media.capture.touch()
            latest = media.frames.latest(SELF)
            if was_idle or latest is None:
                await media.frames.wait_newer(SELF, latest[1] if latest else 0, FIRST_FRAME_TIMEOUT)
        quality = BEST_QUALITY if room.settings.get("bestQualityForHttpServerImages") else QUALITY
        latest = media.frames.latest(peer)
        data = await media.frames.jpeg(peer, quality)
        if data is None or latest is None:
            return web.Response(status=404, text=f"no video from peer '{peer}'\n")
        # X-Frame-Seq lets a viewer (and bench/frames_bench.py) tell new frames from repeats
        headers = {"Cache-Control": "no-store", "X-Frame-Seq": str(latest[1])}
        return web.Response(body=data, content_type="image/jpeg", headers=headers)

    app.router.add_get("/frames/", frame)
    app.router.add_get("/frames", frame)
