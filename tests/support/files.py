"""Helpers for file-transfer tests: put a file into a room, offer it to a peer, wait for outcomes."""

from __future__ import annotations

import hashlib
import os
from typing import Any
from urllib.parse import quote

import aiohttp

from meetroom.client import RoomClient
from tests.support.calls import CallRoom

TIMEOUT = aiohttp.ClientTimeout(total=60)


async def put_file(room: CallRoom, data: bytes, name: str = "report.bin") -> int:
    """Upload bytes to the room's HTTP server; the new fileId."""
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    url = f"http://127.0.0.1:{room.proc.http_port}/files/?token={quote(room.client.http_token or '')}"
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session, session.post(url, data=form) as resp:
        assert resp.status == 200, await resp.text()
        return int(resp.headers["FileId"])


async def file_sha256(room: CallRoom, file_id: int) -> str:
    """sha-256 of a room's file as GET /files/<id> serves it (streamed)."""
    url = f"http://127.0.0.1:{room.proc.http_port}/files/{file_id}?token={quote(room.client.http_token or '')}"
    digest = hashlib.sha256()
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session, session.get(url) as resp:
        assert resp.status == 200, await resp.text()
        async for chunk in resp.content.iter_chunked(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def random_bytes(size: int) -> bytes:
    return os.urandom(size)


async def wait_available(client: RoomClient, timeout: float = 10.0) -> None:
    if (await client.call("getFileTransferAvailability"))["availability"] == 3:
        return
    await client.wait_event("fileTransferAvailabilityChanged", lambda e: e["availability"] == 3, timeout=timeout)


def status_of(request_id: str, *statuses: int):
    return lambda e: e["fileRequestId"] == request_id and e["status"] in statuses


async def wait_status(client: RoomClient, request_id: str, *statuses: int, timeout: float = 20.0) -> dict[str, Any]:
    return await client.wait_event("fileRequestStatusChanged", status_of(request_id, *statuses), timeout=timeout)


async def offer(sender: CallRoom, receiver: CallRoom, file_id: int) -> tuple[str, dict[str, Any]]:
    """sendFile from sender to receiver; (the sender's request id, the receiver's receivedFileRequest)."""
    reply = await sender.client.call("sendFile", fileId=file_id, callId=receiver.call_id)
    assert reply["result"] is True, reply
    incoming = await receiver.client.wait_event(
        "receivedFileRequest", lambda e: e["peerId"] == sender.call_id, timeout=30
    )
    return reply["sentFileRequestId"], incoming
