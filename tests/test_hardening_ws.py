"""The WebSocket port against a client that never reads and one that pipelines an oversized frame.

Issue 13, items 2 and 8: the outgoing queue is bounded in bytes (a connection that never reads is
closed with 1008 and its memory comes back), and the replies to requests sent before an oversized
frame arrive before its 1009 close frame.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket

from tests.support.process import rss_bytes
from tests.support.raw_ws import TEXT, Closed, RawWebSocket

MAX_MESSAGE_BYTES = 1 << 20
MiB = 1 << 20
OUTBOX_LIMIT_BYTES = 4 * MiB  # the bound the room promises per session


def masked_frame(payload: bytes, opcode: int = TEXT) -> bytes:
    key = os.urandom(4)
    header = RawWebSocket._header(opcode, len(payload), True, key)
    stream = (key * (len(payload) // 4 + 1))[: len(payload)]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(payload), "big")
    return header + masked


async def non_reading_socket(port: int) -> socket.socket:
    """A handshaken, authorised WebSocket whose owner never reads again (tiny receive buffer)."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.wait_for(loop.sock_connect(sock, ("127.0.0.1", port)), 5)
    key = base64.b64encode(os.urandom(16)).decode()
    handshake = (
        f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await loop.sock_sendall(sock, handshake.encode())
    await loop.sock_sendall(sock, masked_frame(b'{"method":"auth","requestId":"a","type":"unsecured"}'))
    got = b""
    while b'"requestId":"a"' not in got:  # read the handshake and the auth reply, then never again
        chunk = await asyncio.wait_for(loop.sock_recv(sock, 65536), 10)
        assert chunk, got
        got += chunk
    assert b'"result":true' in got, got
    return sock


async def test_a_connection_that_never_reads_is_closed_and_its_memory_comes_back(room, connect):
    loop = asyncio.get_running_loop()
    pid = room.proc.pid
    baseline = rss_bytes(pid)
    sock = await non_reading_socket(room.ws_port)
    data = "x" * (MAX_MESSAGE_BYTES - 4096)
    frame = masked_frame(json.dumps({"method": "fireMyEvent", "data": data}).encode())
    peak, sent, cut = baseline, 0, False
    for _ in range(200):  # 200 MB of notifications for itself, unbounded before the fix
        try:
            await asyncio.wait_for(loop.sock_sendall(sock, frame), 20)
        except (ConnectionError, OSError):
            cut = True  # the room closed the connection
            break
        sent += 1
        peak = max(peak, rss_bytes(pid))
    sock.setblocking(True)
    sock.settimeout(15)
    if not cut:  # everything was sent before the room hung up: it must hang up now
        with contextlib.suppress(ConnectionError, OSError):
            while sock.recv(1 << 20):
                pass
    sock.close()
    grown = peak - baseline
    print(f"never-reading client: {sent} frames sent, room RSS {baseline / MiB:.0f} MiB -> peak {peak / MiB:.0f} MiB")
    assert sent < 200 or cut, "the room kept a connection that never reads"
    assert grown < 20 * OUTBOX_LIMIT_BYTES, f"room grew by {grown / MiB:.0f} MiB after {sent} frames"
    assert "is not reading" in await _wait_for_output(room, "is not reading")
    # the room answers others, and the queued megabytes were released
    witness = await connect(room)
    assert (await witness.call("getAppState"))["result"] is True
    after = rss_bytes(pid)
    assert after - baseline < 10 * OUTBOX_LIMIT_BYTES, f"{(after - baseline) / MiB:.0f} MiB still taken"


async def _wait_for_output(room, text: str, timeout: float = 10.0) -> str:
    deadline = asyncio.get_running_loop().time() + timeout
    while text not in room.text and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)  # the room's log is a pipe read by a thread; there is no event to await
    return room.text


async def test_replies_before_an_oversized_frame_arrive_then_the_1009_close(room):
    n = 10
    for attempt in range(20):
        ws = await RawWebSocket.connect("127.0.0.1", room.ws_port)
        try:
            assert (await ws.exchange('{"method":"auth","type":"unsecured"}'))["result"] is True
            pipeline = b"".join(
                masked_frame(f'{{"method":"getAppState","requestId":"r{i}"}}'.encode()) for i in range(n)
            )
            oversized = masked_frame(b'{"method":"fireMyEvent","data":"' + b"y" * MAX_MESSAGE_BYTES + b'"}')
            with contextlib.suppress(ConnectionError):
                await ws.send_raw(pipeline + oversized)
            ids, code = [], None
            try:
                while True:
                    ids.append((await ws.recv_json(timeout=15))["requestId"])
            except Closed as closed:
                code = closed.code
            assert ids == [f"r{i}" for i in range(n)], (attempt, ids)
            assert code == 1009, (attempt, code)
        finally:
            await ws.close()
    ws = await RawWebSocket.connect("127.0.0.1", room.ws_port)
    assert (await ws.exchange('{"method":"getAppState"}'))["method"] == "getAppState"
    await ws.close()
