"""The two faces of the room as web pages: the web manager (`/`, `/<PIN>`) and the main screen (`/screen`).

Both are plain files under static/; the manager talks to the room only through the public
WebSocket API, the screen through its own channel (meetroom/web/screen.py). Pages are served
with a strict Content-Security-Policy: no inline scripts, nothing loaded from other hosts.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from meetroom.core.origins import OriginKind
from meetroom.web.screen import screen_refusal
from meetroom.web.ws import peer_host

if TYPE_CHECKING:
    from meetroom.web.surface import RoomSurface

STATIC_DIR = Path(__file__).parent / "static"
# The direct user-mode link http://IP:PORT/<PIN>. Routes match in the order they were added, so
# the names of other top-level paths are kept out of it whatever order the modules load in.
RESERVED = ("frames", "files", "screen", "public", "static", "examples")
PIN_PATH = "{pin:(?!(?:" + "|".join(RESERVED) + r")$)[A-Za-z0-9]{4,32}}"
CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


INLINE = re.compile(rb"<(script|style)\b[^>]*>(.*?)</\1>", re.DOTALL | re.IGNORECASE)


def inline_hashes(html: bytes) -> tuple[str, str]:
    """CSP sources for a page's own inline scripts and styles (the examples are single files)."""
    found: dict[bytes, list[str]] = {b"script": [], b"style": []}
    for match in INLINE.finditer(html):
        digest = base64.b64encode(hashlib.sha256(match.group(2)).digest()).decode()
        found[match.group(1).lower()].append(f"'sha256-{digest}'")
    return " ".join(found[b"script"]), " ".join(found[b"style"])


def content_security_policy(room: RoomSurface, request: web.Request, html: bytes | None = None) -> str:
    """Scripts and styles from this server only; the API socket on the room's WebSocket port.

    With `html`, that page's own inline scripts and styles are allowed too, by their hashes.
    """
    host = request.url.host or "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    sockets = f"ws://{host}:{room.ws_port}"
    scripts, styles = inline_hashes(html) if html is not None else ("", "")
    return (
        f"default-src 'self'; script-src 'self' {scripts}; style-src 'self' {styles}; img-src 'self' blob: data:; "
        f"connect-src 'self' {sockets}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ).replace(" ;", ";")


def static_file(name: str) -> Path | None:
    """A file inside static/ (never outside it), or None.

    A name with a control character (a NUL from `%00` makes the file system calls raise) or one the
    file system refuses is no file of ours either: such requests get 404, never a 500.
    """
    if not name.isprintable():
        return None
    try:
        path = (STATIC_DIR / name).resolve()
        if not path.is_relative_to(STATIC_DIR.resolve()) or not path.is_file():
            return None
    except (OSError, ValueError):
        return None
    return path


def _file_response(room: RoomSurface, request: web.Request, path: Path, *, inline: bool = False) -> web.Response:
    body = path.read_bytes()
    headers = {
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",  # the user PIN may sit in the page's path
    }
    content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
    if path.suffix == ".html":
        headers["Content-Security-Policy"] = content_security_policy(room, request, body if inline else None)
        content_type += "; charset=utf-8"
    elif path.suffix in (".js", ".css", ".svg"):
        content_type += "; charset=utf-8"
    return web.Response(body=body, headers={**headers, "Content-Type": content_type})


def install(room: RoomSurface, app: web.Application) -> None:
    def page(name: str):
        async def handler(request: web.Request) -> web.Response:
            path = static_file(name)
            if path is None:
                return web.Response(status=500, text=f"{name} is missing from this installation\n")
            return _file_response(room, request, path)

        return handler

    async def asset(request: web.Request) -> web.Response:
        path = static_file(request.match_info["path"])
        if path is None:
            return web.Response(status=404, text="no such file\n")
        return _file_response(room, request, path)

    async def example(request: web.Request) -> web.Response:
        # The API guide's style of example: one self-contained page, served so that it needs no opt-in.
        path = static_file("examples/" + request.match_info["name"])
        if path is None:
            return web.Response(status=404, text="no such example\n")
        return _file_response(room, request, path, inline=True)

    screen_page = page("screen.html")

    async def screen(request: web.Request) -> web.Response:
        refusal = screen_refusal(peer_host(request), OriginKind.NONE, bool(room.settings.get("allowRemoteScreen")))
        if refusal is not None:
            return web.Response(status=403, text=refusal + "\n")
        return await screen_page(request)

    manager = page("manager.html")
    app.router.add_get("/", manager)
    app.router.add_get("/screen", screen)
    app.router.add_get("/static/{path:.+}", asset)
    app.router.add_get("/examples/{name:[A-Za-z0-9_-]+\\.html}", example)
    app.router.add_get("/favicon.ico", page("img/logo.svg"))
    app.router.add_get("/" + PIN_PATH, manager)
