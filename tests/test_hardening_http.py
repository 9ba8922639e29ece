"""Malformed HTTP requests get 4xx, never a 500 with a traceback (issue 13, item 7)."""

from __future__ import annotations

import asyncio

TIMEOUT = 10.0


async def raw_http(port: int, request: bytes) -> tuple[int, bytes]:
    """Send one hand-built request; the status code and the whole answer."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), TIMEOUT)
    try:
        writer.write(request)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), TIMEOUT)
    finally:
        writer.close()
    status = int(answer.split(b" ", 2)[1])
    return status, answer


def multipart_upload(token: str, filename: bytes) -> bytes:
    body = (
        b'--XX\r\nContent-Disposition: form-data; name="file"; filename="' + filename + b'"\r\n'
        b"Content-Type: image/png\r\n\r\nsome bytes\r\n--XX--\r\n"
    )
    head = (
        f"POST /files/?token={token} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Content-Type: multipart/form-data; boundary=XX\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def get_request(path: bytes) -> bytes:
    return b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


async def test_static_paths_with_nul_or_control_characters_are_404(room):
    for path in (b"/static/js/api.js%00", b"/static/js/api.js%00.png", b"/static/%01", b"/static/js/%0aapi.js"):
        status, answer = await raw_http(room.http_port, get_request(path))
        assert status == 404, (path, answer[:200])
    status, _ = await raw_http(room.http_port, get_request(b"/static/js/api.js"))
    assert status == 200
    assert "Traceback" not in room.text


async def test_uploads_whose_file_name_carries_control_characters_are_4xx(room, connect):
    client = await connect(room)
    token = client.http_token
    for filename in (b"a\x00b.png", b"a\x01\x1fb.png", b"x\r\ny.png", b"x\ry.png", b"tab\there.png", b"%00%01.png"):
        status, answer = await raw_http(room.http_port, multipart_upload(token, filename))
        assert status < 500, (filename, answer[:300])
        if status == 200:  # accepted: the stored name is clean
            listing = await client.call("getFileList")
            assert all(entry["fileName"].isprintable() for entry in listing["fileList"]), listing
    assert "Traceback" not in room.text
    # the connection and the process are fine
    assert (await client.call("getAppState"))["result"] is True
