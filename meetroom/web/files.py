"""POST /files/?token=<t> (multipart field `file`) stores an upload; GET /files/<id>?token=<t> returns it.

The upload is streamed to disk and counted as it arrives: past httpServerMaxPostFileSizeInBytes
it is dropped and answered 413, leaving nothing behind. The new id goes back in the FileId header.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from meetroom.store.files import parse_id
from meetroom.web.httpauth import token_required

if TYPE_CHECKING:
    from meetroom.web.surface import RoomSurface

CHUNK = 64 * 1024
# Uploaded bytes are served from the room's own origin: only pictures keep their type, anything
# else (HTML, scripts) goes out as opaque bytes, sandboxed, so an upload cannot script the pages.
SAFE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp", "application/pdf"})
MULTIPART_SLACK = 64 * 1024  # boundaries and part headers around the file itself


def _malformed(reason: str) -> web.Response:
    return web.Response(status=400, text=f"malformed multipart/form-data: {reason}\n")


def _too_large(limit: int) -> web.Response:
    return web.Response(status=413, text=f"file too large: httpServerMaxPostFileSizeInBytes is {limit}\n")


def _reason(exc: Exception) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return "".join(ch if ch.isprintable() else "?" for ch in str(text))[:200]


def install(room: RoomSurface, app: web.Application) -> None:
    @token_required(room)
    async def upload(request: web.Request) -> web.Response:
        limit = room.http_settings.max_post_bytes
        if request.content_length is not None and request.content_length > limit + MULTIPART_SLACK:
            return _too_large(limit)
        try:
            reader = await request.multipart()
        except (AssertionError, ValueError, KeyError):
            return web.Response(status=400, text="expected multipart/form-data with a 'file' field\n")
        store = room.files
        try:  # a part header with a raw control character or NUL (e.g. in the file name) is refused here
            while True:
                part = await reader.next()
                if part is None:
                    return web.Response(status=400, text="no 'file' field in the form\n")
                if isinstance(part, BodyPartReader) and part.name == "file":
                    break
                await part.release()
            filename = part.filename or ""
        except (HttpProcessingError, ValueError, AssertionError, KeyError) as exc:
            return _malformed(_reason(exc))
        file_id, temp = store.new_upload()
        size = 0
        try:
            with temp.open("wb") as out:
                while chunk := await part.read_chunk(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        break
                    out.write(chunk)
        except (HttpProcessingError, ValueError, AssertionError) as exc:
            store.abort(temp)
            return _malformed(_reason(exc))
        except BaseException:
            store.abort(temp)
            raise
        if size > limit:
            store.abort(temp)
            return _too_large(limit)
        mime = part.headers.get("Content-Type", "")
        record = store.commit(file_id, temp, filename, size, mime)
        return web.Response(text=f"{record.id}\n", headers={"FileId": str(record.id)})

    @token_required(room)
    async def download(request: web.Request) -> web.StreamResponse:
        file_id = parse_id(request.match_info["file_id"])
        record = room.files.get(file_id) if file_id is not None else None
        path = room.files.path(record.id) if record is not None else None
        if record is None or path is None or not path.is_file():
            return web.Response(status=404, text="no such file\n")
        headers = {
            "Content-Type": record.mime if record.mime in SAFE_TYPES else "application/octet-stream",
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(record.name)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        }
        return web.FileResponse(path, headers=headers)

    app.router.add_post("/files/", upload)
    app.router.add_post("/files", upload)
    app.router.add_get("/files/{file_id}", download)
