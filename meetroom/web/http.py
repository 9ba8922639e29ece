"""The built-in HTTP server: port discovery, and the routes of the features it is given.

It can be stopped and started over the API without touching the WebSocket listener, and keeps
the settings that only apply at its next start (port, connection limit) pending until then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from aiohttp import web

from meetroom.core.paths import config_document
from meetroom.web.listen import bind_port

if TYPE_CHECKING:
    from meetroom.web.surface import RoomSurface

log = logging.getLogger(__name__)

RUNNING, STOPPED = "running", "stopped"

# A feature's routes (frames, files, pages, ...): a plain function its module exports; the
# server is handed the list by whoever builds it, so a server has exactly the routes it was given.
RouteInstaller = Callable[["RoomSurface", web.Application], None]


def _discovery_routes(room: RoomSurface, app: web.Application) -> None:
    async def config_json(request: web.Request) -> web.Response:
        if request.match_info["name"] != room.options.instance:
            return web.Response(status=404, text="no such instance\n")
        return web.json_response(config_document(room.ws_port, room.http.port))

    app.router.add_get("/public/{name}/config.json", config_json)


class HttpServer:
    def __init__(self, room: RoomSurface, routes: Sequence[RouteInstaller]) -> None:
        self.room = room
        self.routes = tuple(routes)
        self.port = 0
        self.state = STOPPED
        self._runner: web.AppRunner | None = None

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=self.room.http_settings.max_post_bytes + (1 << 16))
        _discovery_routes(self.room, app)
        for install in self.routes:
            install(self.room, app)
        return app

    async def start(self, port: int, *, fixed: bool, avoid: frozenset[int] = frozenset()) -> None:
        sock = bind_port(self.room.options.host, port, fixed=fixed, avoid=avoid)
        # keepalive_timeout closes a connection idle after a request; the guard, one idle before its first
        self._runner = web.AppRunner(
            self.build_app(),
            access_log=None,
            handle_signals=False,
            keepalive_timeout=self.room.connection_limits().idle_timeout,
        )
        await self._runner.setup()
        self.room.guard.watch(self._runner.server, "http")
        await web.SockSite(self._runner, sock).start()
        self.port = sock.getsockname()[1]
        self.state = RUNNING

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.state = STOPPED
