"""Ports, the nearest-free-port rule, named instances and config.json discovery."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from pathlib import Path

import aiohttp
import pytest

from meetroom.client import RoomClient
from tests.support.ports import free_port


async def fetch_config(http_port: int, name: str = "default") -> tuple[int, dict | None]:
    url = f"http://127.0.0.1:{http_port}/public/{name}/config.json"
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        body = await resp.json(content_type=None) if resp.status == 200 else None
        return resp.status, body


def expected_config(ws: int, http: int) -> dict:
    return {"config": {"websocket": {"hostname": None, "port": ws}, "http": {"hostname": None, "port": http}}}


async def test_config_json_over_http_and_on_disk(room):
    status, body = await fetch_config(room.http_port)
    assert status == 200 and body == expected_config(room.ws_port, room.http_port)
    assert Path(room.config_path) == room.data_dir / "config.json"
    assert json.loads(Path(room.config_path).read_text()) == body
    assert (await fetch_config(room.http_port, "other"))[0] == 404


async def test_startup_prints_ports_paths_and_web_address(room):
    text = room.text
    assert f"WebSocket API port: {room.ws_port}" in text
    assert f"HTTP server port: {room.http_port}" in text
    assert f"data directory: {room.data_dir}" in text
    assert f"web manager: http://127.0.0.1:{room.http_port}/\n" in text


@contextlib.contextmanager
def occupy(*ports: int, within: float = 10.0):
    """Hold these loopback ports; waits (bounded) for another process that holds one to let go."""
    socks = []
    deadline = time.monotonic() + within
    try:
        for port in ports:
            while True:
                sock = socket.socket()
                try:
                    sock.bind(("127.0.0.1", port))
                    sock.listen(1)
                    break
                except OSError:
                    sock.close()
                    if time.monotonic() > deadline:
                        pytest.skip(f"port {port} stays held by another process")
                    time.sleep(0.1)
            socks.append(sock)
        yield
    finally:
        for sock in socks:
            sock.close()


async def test_taken_default_ports_move_to_the_nearest_free_ones(room_factory):
    with occupy(8765, 8766):
        room = room_factory(fixed_ports=False)
        assert room.ws_port not in (8765, 8766) and room.http_port not in (8765, 8766)
        assert room.ws_port != room.http_port
        assert 8765 < room.ws_port < 8965
        _, body = await fetch_config(room.http_port)
        assert body == expected_config(room.ws_port, room.http_port)
        client = RoomClient("127.0.0.1", room.http_port)
        await client.connect()  # discovery through config.json
        assert client.ws_port == room.ws_port
        await client.auth()
        await client.close()


def test_a_fixed_port_that_is_taken_stops_the_start(room_factory, tmp_path):
    from tests.support.process import RoomProcess

    port = free_port()
    with occupy(port):
        proc = RoomProcess(tmp_path / "x", ["--wsport", str(port), "--httpport", str(free_port())])
        code = proc.start_expecting_failure()
        assert code != 0
        assert f"cannot listen on 127.0.0.1:{port}" in proc.text
        proc = RoomProcess(tmp_path / "y", ["--wsport", str(free_port()), "--httpport", str(port)])
        assert proc.start_expecting_failure() != 0
        assert f"cannot listen on 127.0.0.1:{port}" in proc.text


async def test_named_instances_run_side_by_side(room_factory):
    alpha = room_factory("-t", "alpha", name="alpha", fixed_ports=False)
    beta = room_factory("-t", "beta", "--product", "videosdk", name="beta", fixed_ports=False)
    assert len({alpha.ws_port, alpha.http_port, beta.ws_port, beta.http_port}) == 4
    assert (await fetch_config(alpha.http_port, "alpha"))[1] == expected_config(alpha.ws_port, alpha.http_port)
    assert (await fetch_config(beta.http_port, "beta"))[1] == expected_config(beta.ws_port, beta.http_port)
    assert (await fetch_config(alpha.http_port, "beta"))[0] == 404
    assert "?cfg=alpha" in alpha.text and "(videosdk, instance 'beta')" in beta.text
    # Separate state: a setting changed in one is not seen in the other.
    a = RoomClient("127.0.0.1", alpha.http_port, instance="alpha")
    b = RoomClient("127.0.0.1", beta.http_port, instance="beta")
    for client in (a, b):
        await client.connect()
        await client.auth()
    assert (await a.call("setSettings", settings={"showTime": False}))["result"] is True
    b_settings = {s["name"]: s["value"] for s in (await b.call("getSettings"))["settings"]}
    assert b_settings["showTime"] is True
    for client in (a, b):
        await client.close()


async def test_http_port_change_rewrites_config_json(room, connect):
    client = await connect(room)
    new_port = free_port()
    reply = await client.call("setHttpServerSettings", settings={"httpServerPort": new_port})
    assert reply["result"] is True
    changed = await client.wait_event("httpServerSettingChanged")
    assert changed["name"] == "httpServerPort" and changed["value"] == room.http_port
    assert changed["isPendingToBeApplied"] is True and changed["pendingValue"] == new_port
    settings = (await client.call("getHttpServerSettings"))["settings"]
    assert settings[0]["name"] == "httpServerPort" and settings[0]["pendingValue"] == new_port

    assert (await client.call("stopHttpServer"))["result"] is True
    assert (await client.wait_event("httpServerStateChanged"))["state"] == "stopped"
    assert (await client.call("getHttpServerState"))["state"] == "stopped"
    assert (await client.call("startHttpServer"))["result"] is True
    assert (await client.wait_event("httpServerStateChanged"))["state"] == "running"
    applied = await client.wait_event("httpServerSettingChanged")
    assert applied["value"] == new_port and applied["isPendingToBeApplied"] is False
    state = await client.wait_event("appStateChanged", lambda e: e["embeddedHttpPort"] == new_port)
    assert state["appState"] == 0
    assert (await fetch_config(new_port))[1] == expected_config(room.ws_port, new_port)
    assert json.loads(Path(room.config_path).read_text()) == expected_config(room.ws_port, new_port)
    assert (await client.call("getHttpServerSettings"))["settings"][0]["value"] == new_port


async def test_http_server_settings_are_validated(room, connect):
    client = await connect(room)
    for settings in (
        {"httpServerPort": 0},
        {"httpServerPort": "x"},
        {"noSuch": 1},
        {},
        {"httpServerMaxPostFileSizeInBytes": -5},
    ):
        reply = await client.call("setHttpServerSettings", settings=settings)
        assert reply["result"] is False and reply["error"], settings
    reply = await client.call("setHttpServerSettings", settings={"httpServerMaxPostFileSizeInBytes": 1000})
    assert reply["result"] is True
    event = await client.wait_event("httpServerSettingChanged")
    assert event == {
        "method": "event",
        "event": "httpServerSettingChanged",
        "name": "httpServerMaxPostFileSizeInBytes",
        "value": 1000,
        "httpServerRestartNeededForApplying": False,
        "isPendingToBeApplied": False,
    }
    assert (await client.call("startHttpServer"))["result"] is False  # already running
