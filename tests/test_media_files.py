"""/files/ and the screen pictures against a real room: uploads, limits, tokens, traversal, use."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import numpy as np
from yarl import URL

from tests.support.media import TIMEOUT, get, png_bytes, self_frame, upload


async def test_upload_then_background(room, connect):
    client = await connect(room)
    token = client.http_token
    data = png_bytes()
    status, _, headers = await upload(room.http_port, token, data, "sunset.png")
    assert status == 200
    file_id = int(headers["FileId"])
    listing = (await client.call("getFileList"))["fileList"]
    assert {"fileId": file_id, "fileName": "sunset.png"} in listing
    status, body, headers = await get(f"http://127.0.0.1:{room.http_port}/files/{file_id}?token={token}")
    assert status == 200 and body == data
    assert "sunset.png" in headers["Content-Disposition"]
    assert headers["X-Content-Type-Options"] == "nosniff"

    assert (await client.call("getBackground")) | {"requestId": ""} == {
        "method": "getBackground",
        "requestId": "",
        "isCustomImage": False,
        "fileId": 0,
        "result": True,
    }
    assert (await client.call("setBackground", fileId=file_id))["result"] is True
    event = await client.wait_event("backgroundImageChanged")
    assert (event["isCustomImage"], event["fileId"]) == (True, file_id)
    reply = await client.call("getBackground")
    assert (reply["isCustomImage"], reply["fileId"]) == (True, file_id)

    refused = await client.call("deleteFileTransferFile", fileId=file_id)
    assert refused["result"] is False and "background" in refused["error"]

    assert (await client.call("setBackground"))["result"] is True  # no fileId: back to the default
    assert (await client.wait_event("backgroundImageChanged"))["isCustomImage"] is False
    await client.call("setBackground", fileId=str(file_id))  # ids may come as strings
    assert (await client.wait_event("backgroundImageChanged"))["fileId"] == file_id
    assert (await client.call("setDefaultBackground"))["result"] is True
    assert (await client.wait_event("backgroundImageChanged"))["isCustomImage"] is False

    assert (await client.call("deleteFileTransferFile", fileId=file_id))["result"] is True
    deleted = await client.wait_event("fileTransferFileDeleted")
    assert deleted["file"]["fileId"] == file_id
    status, _, _ = await get(f"http://127.0.0.1:{room.http_port}/files/{file_id}?token={token}")
    assert status == 404
    assert (await client.call("getFileList"))["fileList"] == []


async def test_background_must_be_an_existing_picture(room, connect):
    client = await connect(room)
    status, _, headers = await upload(room.http_port, client.http_token, b"just some text", "notes.txt")
    assert status == 200
    text_id = int(headers["FileId"])
    reply = await client.call("setBackground", fileId=text_id)
    assert reply["result"] is False and "picture" in reply["error"]
    reply = await client.call("setBackground", fileId=123456)
    assert reply["result"] is False and "123456" in reply["error"]
    reply = await client.call("setBackground", fileId="../1")
    assert reply["result"] is False
    assert (await client.call("getBackground"))["isCustomImage"] is False


async def test_oversize_upload_is_refused_and_nothing_is_stored(room, connect):
    client = await connect(room)
    reply = await client.call("setHttpServerSettings", settings={"httpServerMaxPostFileSizeInBytes": 1000})
    assert reply["result"] is True
    files_dir = room.data_dir / "files"
    before = sorted(p.name for p in files_dir.iterdir())
    status, body, headers = await upload(room.http_port, client.http_token, b"x" * 5000, "big.bin")
    assert status == 413 and "FileId" not in headers and "httpServerMaxPostFileSizeInBytes" in body
    status, _, headers = await upload(room.http_port, client.http_token, b"x" * 200_000, "bigger.bin")
    assert status == 413
    assert sorted(p.name for p in files_dir.iterdir()) == before
    assert (await client.call("getFileList"))["fileList"] == []
    status, _, headers = await upload(room.http_port, client.http_token, b"y" * 1000, "fits.bin")
    assert status == 200 and int(headers["FileId"]) > 0


async def test_files_refuse_bad_tokens_unknown_ids_and_traversal(room, connect):
    client = await connect(room)
    token = client.http_token
    port = room.http_port
    status, body, _ = await upload(port, None, b"data")
    assert status == 401 and "token" in body
    status, body, _ = await upload(port, "4*bad*0*00", b"data")
    assert status == 401
    status, _, headers = await upload(port, token, b"<script>alert(1)</script>", "../../../etc/evil.html")
    assert status == 200
    file_id = int(headers["FileId"])
    assert {"fileId": file_id, "fileName": "evil.html"} in (await client.call("getFileList"))["fileList"]
    assert not (room.data_dir / "evil.html").exists()
    status, _, headers = await get(f"http://127.0.0.1:{port}/files/{file_id}?token={token}")
    assert status == 200 and headers["Content-Type"] == "application/octet-stream"  # never served as a page
    status, _, _ = await get(f"http://127.0.0.1:{port}/files/{file_id}")
    assert status == 401
    status, _, _ = await get(f"http://127.0.0.1:{port}/files/999?token={token}")
    assert status == 404
    sqlite = (room.data_dir / "meetroom.sqlite3").read_bytes()[:16]
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        for raw in (
            "/files/..%2Fmeetroom.sqlite3",
            "/files/%2e%2e%2fmeetroom.sqlite3",
            "/files/../meetroom.sqlite3",
            "/files/..%5Cmeetroom.sqlite3",
            f"/files/{file_id}%2F..%2F..%2Fmeetroom.sqlite3",
            "/files/%2Fetc%2Fpasswd",
            "/files/-1",
            "/files/0x10",
        ):
            url = URL(f"http://127.0.0.1:{port}{raw}?token={token}", encoded=True)
            async with session.get(url) as resp:
                body = await resp.read()
                assert resp.status in (400, 404), (raw, resp.status)
                assert sqlite not in body and b"root:" not in body


async def test_upload_without_file_field_is_refused(room, connect):
    client = await connect(room)
    status, body, _ = await upload(room.http_port, client.http_token, b"data", field="other")
    assert status == 400 and "file" in body
    assert (await client.call("getFileList"))["fileList"] == []


async def test_logo_and_widgets(room, connect):
    client = await connect(room)
    _, _, headers = await upload(room.http_port, client.http_token, png_bytes(440, 82), "logo.png")
    file_id = int(headers["FileId"])
    assert (await client.call("getLogo"))["isCustomImage"] is False
    assert (await client.call("setLogo", fileId=file_id, mode=1))["result"] is True
    changed = await client.wait_event("logoImageChanged")
    assert (changed["isCustomImage"], changed["fileId"], changed["mode"]) == (True, file_id, 1)
    assert (await client.wait_event("customLogoUsageChanged"))["use"] is True
    logo = await client.call("getLogo")
    assert (logo["isCustomImage"], logo["fileId"], logo["mode"]) == (True, file_id, 1)
    assert (await client.call("setLogo", fileId=file_id, mode=7))["result"] is False
    assert (await client.call("setDefaultLogo"))["result"] is True
    assert (await client.wait_event("logoImageChanged"))["isCustomImage"] is False
    assert (await client.wait_event("customLogoUsageChanged"))["use"] is False

    widgets = await client.call("getInfoWidgetsState")
    assert widgets["logoDisplaying"] is True and widgets["timeDisplaying"] is True
    await client.call("setSettings", settings={"showLogo": False, "showTime": False})
    assert (await client.wait_event("showLogo"))["show"] is False
    assert (await client.wait_event("showTime"))["show"] is False
    widgets = await client.call("getInfoWidgetsState")
    assert (widgets["logoDisplaying"], widgets["timeDisplaying"]) == (False, False)


async def test_broadcast_picture_replaces_self_view(room, connect):
    client = await connect(room)
    token = client.http_token
    _, _, headers = await upload(room.http_port, token, png_bytes(320, 180, (220, 20, 20)), "slide.png")
    file_id = int(headers["FileId"])
    assert (await client.call("getBroadcastPicture"))["running"] is False
    assert (await client.call("startBroadcastPicture", fileId=file_id))["result"] is True
    event = await client.wait_event("broadcastPictureStateChanged")
    assert (event["running"], event["fileId"], event["fileName"]) == (True, file_id, "slide.png")
    state = await client.wait_event("appStateChanged", lambda e: e["broadcastPicture"]["running"])
    assert state["broadcastPicture"]["fileId"] == file_id
    assert (await client.call("getAppState"))["broadcastPicture"]["fileId"] == file_id
    reply = await client.call("getBroadcastPicture")
    assert (reply["fileId"], reply["fileName"]) == (file_id, "slide.png")

    def red(frame: np.ndarray) -> bool:
        return frame[..., 0].mean() > 180 and frame[..., 1].mean() < 60

    deadline = time.monotonic() + 5
    frame = await self_frame(room.http_port, token)
    while not red(frame) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        frame = await self_frame(room.http_port, token)
    assert red(frame), "self view must show the broadcast picture"
    assert frame.shape == (720, 1280, 3)
    refused = await client.call("deleteFileTransferFile", fileId=file_id)
    assert refused["result"] is False and "broadcast" in refused["error"]

    assert (await client.call("stopBroadcastPicture"))["result"] is True
    assert (await client.wait_event("broadcastPictureStateChanged"))["running"] is False
    assert (await client.call("getAppState"))["broadcastPicture"] == {"running": False}
    assert (await client.call("stopBroadcastPicture"))["result"] is False
    deadline = time.monotonic() + 5
    frame = await self_frame(room.http_port, token)
    while red(frame) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        frame = await self_frame(room.http_port, token)
    assert not red(frame)


async def test_connections_limit_is_enforced(room, connect):
    client = await connect(room)
    token = client.http_token
    reply = await client.call("setHttpServerSettings", settings={"httpServerConnectionsLimit": 2})
    assert reply["result"] is True
    assert (await client.call("stopHttpServer"))["result"] is True
    assert (await client.call("startHttpServer"))["result"] is True
    url = f"http://127.0.0.1:{room.http_port}/frames/?peerId=%23self%3A0&token={token}"
    sessions = [aiohttp.ClientSession(timeout=TIMEOUT) for _ in range(3)]
    try:
        for session in sessions[:2]:  # each keeps its connection open (keep-alive)
            async with session.get(url) as resp:
                assert resp.status == 200
                await resp.read()
        async with sessions[2].get(url) as resp:
            assert resp.status == 503
            assert "httpServerConnectionsLimit" in await resp.text()
        await sessions[0].close()
        deadline = time.monotonic() + 5
        while True:  # the server notices the closed connection shortly after
            async with sessions[2].get(url) as resp:
                if resp.status == 200 or time.monotonic() > deadline:
                    break
            await asyncio.sleep(0.05)
        assert resp.status == 200
    finally:
        for session in sessions:
            await session.close()
