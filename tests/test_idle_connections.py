"""Idle connections against a room started under a low open-file limit (issue 13, item 3).

A connection that sends no complete request or handshake is closed after connectionIdleTimeout,
a WebSocket that does not authenticate after authTimeout; pending connections are capped per
address and in total (the oldest go first), so the API and HTTP stay reachable and the
administrator gets in during the flood. The soft open-file limit is raised to the hard one.
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp

from tests.support.raw_ws import Closed, RawWebSocket

PIN = "7319"
IDLE = 3.0  # the room's --idle-timeout / --auth-timeout in these tests
SLACK = 15.0  # a loaded machine: generous, but far below "never"


def source(i: int) -> str:
    return f"127.0.{2 + i // 250}.{1 + i % 250}"


async def open_idle(port: int, count: int, src=source) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """`count` TCP connections that send nothing (or half a request line every other one)."""
    sockets = []
    for i in range(count):
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port, local_addr=(src(i), 0)), 10)
        if i % 2:
            writer.write(b"GET / HT")  # half a request, never finished
        sockets.append((reader, writer))
    return sockets


async def closed_by_room(reader: asyncio.StreamReader, timeout: float) -> bool:
    try:
        return await asyncio.wait_for(reader.read(65536), timeout) == b""
    except (ConnectionError, OSError):
        return True
    except TimeoutError:
        return False


async def config_status(room) -> int:
    url = f"http://127.0.0.1:{room.http_port}/public/default/config.json"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as http, http.get(url) as resp:
        return resp.status


def close_all(sockets) -> None:
    for _, writer in sockets:
        with contextlib.suppress(Exception):
            writer.close()


async def test_idle_sockets_cannot_make_the_room_unreachable(room_factory, connect):
    room = room_factory("--pin", PIN, "--idle-timeout", str(IDLE), "--auth-timeout", str(IDLE), nofile=(256, 256))
    flood = []
    try:
        flood += await open_idle(room.http_port, 300)  # more than the room has file descriptors
        flood += await open_idle(room.ws_port, 100, lambda i: source(300 + i))
        # during the flood: the administrator gets in from the room PC, and HTTP answers
        admin = await asyncio.wait_for(connect(room, pin=PIN), 20)
        assert (await admin.call("getAppState"))["result"] is True
        assert await config_status(room) == 200
        # every idle socket is closed: the oldest made room for newer ones, the rest timed out
        results = await asyncio.gather(*(closed_by_room(reader, IDLE + SLACK) for reader, _ in flood))
        assert all(results), f"{results.count(False)} idle sockets still open"
        assert (await admin.call("getAppState"))["result"] is True
    finally:
        close_all(flood)


async def test_a_websocket_that_does_not_authenticate_is_closed(room_factory):
    room = room_factory("--pin", PIN, "--auth-timeout", str(IDLE))
    ws = await RawWebSocket.connect("127.0.0.1", room.ws_port, source="127.0.5.5")
    try:
        reply = await ws.exchange('{"method":"getAppState"}')  # talking is not authenticating
        assert reply["result"] is False
        started = asyncio.get_running_loop().time()
        try:
            await ws.recv_json(timeout=IDLE + SLACK)
            raise AssertionError("the room sent something instead of closing")
        except Closed as closed:
            assert closed.code == 1008 and "auth" in closed.reason
        assert asyncio.get_running_loop().time() - started < IDLE + SLACK
    finally:
        await ws.close()
    # an authorised connection has no such deadline
    ws = await RawWebSocket.connect("127.0.0.1", room.ws_port)
    try:
        reply = await ws.exchange(f'{{"method":"auth","type":"secured","credentials":"{PIN}"}}')
        assert reply["result"] is True
        with contextlib.suppress(TimeoutError):
            await ws.recv_json(timeout=IDLE + 2)  # nothing may close it meanwhile (events are skipped)
        assert (await ws.exchange('{"method":"getAppState"}'))["result"] is True
    finally:
        await ws.close()


async def test_pending_connections_are_capped_per_address_oldest_first(room_factory):
    room = room_factory("--idle-timeout", "120")  # far longer than the test: only the cap closes them
    flood = await open_idle(room.http_port, 40, lambda i: "127.0.9.9")  # the default cap is 32 per address
    try:
        oldest = await asyncio.gather(*(closed_by_room(reader, SLACK) for reader, _ in flood[:8]))
        assert all(oldest), oldest
        assert await config_status(room) == 200
    finally:
        close_all(flood)


async def test_the_soft_open_file_limit_is_raised_to_the_hard_limit(room_factory):
    room = room_factory(nofile=(256, 1024))
    assert "open-file limit: 1024 (raised from 256)" in room.text
    with open(f"/proc/{room.proc.pid}/limits") as limits:
        line = next(x for x in limits if x.startswith("Max open files"))
    assert line.split()[3:5] == ["1024", "1024"], line
