"""What the server's upload service allows: its size limit, and a server without one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.calls import start_rooms
from tests.support.files import put_file, random_bytes, wait_available, wait_status
from tests.support.prosody import ProsodyServer

LIMIT = 100_000


@pytest.fixture
def limited(tmp_path) -> Iterator[ProsodyServer]:
    server = ProsodyServer(tmp_path / "limited", upload_limit=LIMIT).start()
    yield server
    server.stop()


@pytest.fixture
def no_upload(tmp_path) -> Iterator[ProsodyServer]:
    server = ProsodyServer(tmp_path / "plain", upload_limit=0).start()
    yield server
    server.stop()


async def test_the_servers_size_limit_refuses_larger_files(limited, room_factory, connect):
    a, b = await start_rooms(limited, room_factory, connect)
    await wait_available(a.client)
    too_big = await put_file(a, random_bytes(LIMIT + 1), "big.bin")
    refused = await a.client.call("sendFile", fileId=too_big, callId=b.call_id)
    assert refused["result"] is False and f"at most {LIMIT}" in refused["error"], refused
    fits = await put_file(a, random_bytes(LIMIT), "fits.bin")
    reply = await a.client.call("sendFile", fileId=fits, callId=b.call_id)
    assert reply["result"] is True, reply
    assert (await wait_status(a.client, reply["sentFileRequestId"], 3, 0))["status"] == 3


async def test_a_server_without_upload_service_makes_file_transfer_unavailable(no_upload, room_factory, connect):
    (a,) = await start_rooms(no_upload, room_factory, connect, 1)
    if (await a.client.call("getFileTransferAvailability"))["availability"] != 0:
        await a.client.wait_event("fileTransferAvailabilityChanged", lambda e: e["availability"] == 0, timeout=10)
    file_id = await put_file(a, b"hello", "hello.txt")
    refused = await a.client.call("sendFile", fileId=file_id, callId="someone@localhost")
    assert refused["result"] is False and "no HTTP file upload" in refused["error"], refused
