"""Server failures: Prosody stopped and started again under running rooms."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from collections.abc import Iterator

import pytest

from tests.support.netroom import connect_server, online
from tests.support.prosody import ProsodyServer, new_account


@pytest.fixture
def server(tmp_path) -> Iterator[ProsodyServer]:
    """A Prosody of this test alone, since the test stops and restarts it."""
    srv = ProsodyServer(tmp_path / "prosody")
    srv.start()
    yield srv
    srv.stop()


async def test_server_restart_reconnects_and_logs_in_again(server, room_factory, connect):
    (a_name, a_pw), (b_name, b_pw) = new_account(server, "a"), new_account(server, "b")
    room_a, room_b = room_factory(name="a"), room_factory(name="b")
    a, b = await connect(room_a), await connect(room_b)
    await asyncio.gather(online(a, server, a_name, a_pw), online(b, server, b_name, b_pw))
    await a.call("sendMessage", peerId=b_name, message="before the outage")
    await b.wait_event("incomingChatMessage")
    a.clear_events()

    server.stop()
    lost = await a.wait_event("serverDisconnected", timeout=10)
    assert lost["port"] == server.port and lost["reason"]
    await a.wait_event("appStateChanged", lambda e: e["appState"] == 1)
    assert (await a.call("getLogin"))["isLoggedIn"] is False
    reply = await a.call("sendMessage", peerId=b_name, message="x")
    assert reply["result"] is False

    server.start()
    await a.wait_event("serverConnected", timeout=20)
    relogin = await a.wait_event("login", timeout=20)
    assert relogin["result"] == 0 and relogin["peerId"] == f"{a_name}@localhost"
    await a.wait_event("appStateChanged", lambda e: e["appState"] == 3)
    await b.wait_event("login", lambda e: e["result"] == 0, timeout=20)

    await a.call("sendMessage", peerId=b_name, message="after the outage")
    assert (await b.wait_event("incomingChatMessage", timeout=10))["message"] == "after the outage"
    chat_id = (await a.call("getListOfChats"))["list"][0]["chatId"]
    history = (await a.call("getChatLastMessages", chatId=chat_id, beginNumber=0, count=10))["messages"]
    assert [m["text"] for m in history] == ["before the outage", "after the outage"]


async def test_server_loss_before_login_is_noticed_and_recovered(server, room, connect):
    client = await connect(room)
    await connect_server(client, server)
    await client.wait_event("appStateChanged", lambda e: e["appState"] == 2)
    server.stop()
    await client.wait_event("serverDisconnected", timeout=10)
    await client.wait_event("appStateChanged", lambda e: e["appState"] == 1)
    server.start()
    await client.wait_event("serverConnected", timeout=20)
    await client.wait_event("appStateChanged", lambda e: e["appState"] == 2)


async def test_a_frozen_server_is_detected_by_ping_and_recovered(server, room, connect):
    name, password = new_account(server)
    client = await connect(room)
    reply = await client.call("setSettings", settings={"serverKeepaliveInterval": 1})
    assert reply["result"] is True
    await online(client, server, name, password)
    os.kill(server.proc.pid, signal.SIGSTOP)  # the TCP connection stays open, nothing answers
    try:
        lost = await client.wait_event("serverDisconnected", timeout=10)
        assert "ping" in lost["reason"]
        await client.wait_event("appStateChanged", lambda e: e["appState"] == 1)
    finally:
        os.kill(server.proc.pid, signal.SIGCONT)
    relogin = await client.wait_event("login", timeout=30)
    assert relogin["result"] == 0
    await client.wait_event("appStateChanged", lambda e: e["appState"] == 3)


async def test_the_same_instance_logging_in_elsewhere_is_not_fought(server, room_factory, connect, tmp_path):
    name, password = new_account(server)
    room_a = room_factory(name="a")
    a = await connect(room_a)
    first = await online(a, server, name, password)
    room_a.stop()
    shutil.copytree(room_a.data_dir, tmp_path / "copy")  # a second room with the same InstanceId
    room_a.start()
    a = await connect(room_a)
    if (await a.call("getAppState"))["appState"] != 3:
        await a.wait_event("appStateChanged", lambda e: e["appState"] == 3, timeout=15)

    room_b = room_factory(name="b", data_dir=tmp_path / "copy")
    b = await connect(room_b)
    if (await b.call("getAppState"))["appState"] != 3:
        await b.wait_event("appStateChanged", lambda e: e["appState"] == 3, timeout=15)
    kicked = await a.wait_event("logout", timeout=10)
    assert kicked["cause"] == 1
    await a.wait_event("appStateChanged", lambda e: e["appState"] == 2)
    # room A does not log in again and kick B out in turn
    a.clear_events()
    with pytest.raises(TimeoutError):
        await a.wait_event("login", timeout=1.5)
    assert (await a.call("getLogin"))["isLoggedIn"] is False
    assert (await b.call("getLogin"))["peerId"] == first["peerId"]
    assert b.pending_events("logout") == []
