"""Connecting to a real Prosody (via `meetroom dev-server`) and logging in."""

from __future__ import annotations

from tests.support.netroom import connect_server, login, online
from tests.support.prosody import ProsodyServer, new_account, prosody  # noqa: F401


async def test_connect_then_login_reaches_state_3(prosody, room, connect):  # noqa: F811
    name, password = new_account(prosody)
    client = await connect(room)
    reply = await client.call("connectToServer", server="127.0.0.1", port=prosody.port)
    assert reply["result"] is True
    await client.wait_event("appStateChanged", lambda e: e["appState"] == 1)
    connected = await client.wait_event("serverConnected")
    assert connected["server"] == "127.0.0.1"
    assert connected["port"] == prosody.port
    assert connected["domain"] == "localhost"
    await client.wait_event("appStateChanged", lambda e: e["appState"] == 2)
    assert (await client.call("getServerDomain"))["domain"] == "localhost"

    event = await login(client, name, password)
    assert event["result"] == 0
    assert event["peerId"] == f"{name}@localhost"
    assert event["peerDn"] == name
    await client.wait_event("appStateChanged", lambda e: e["appState"] == 3)
    who = await client.call("getLogin")
    assert who["isLoggedIn"] is True
    assert who["peerId"] == f"{name}@localhost"
    abook = await client.wait_event("abReceivedAfterLogin")
    assert abook["abook"] == []

    await client.call("logout")
    out = await client.wait_event("logout")
    assert out["result"] is True
    await client.wait_event("appStateChanged", lambda e: e["appState"] == 2)
    assert (await client.call("getLogin"))["isLoggedIn"] is False


async def test_wrong_password_gives_result_3_and_state_stays_2(prosody, room, connect):  # noqa: F811
    name, _ = new_account(prosody)
    client = await connect(room)
    await connect_server(client, prosody)
    event = await login(client, f"{name}@localhost", "not-the-password")
    assert event["result"] == 3
    assert (await client.call("getAppState"))["appState"] == 2
    assert (await client.call("getLogin"))["isLoggedIn"] is False


async def test_unknown_account_is_refused_like_a_wrong_password(prosody, room, connect):  # noqa: F811
    client = await connect(room)
    await connect_server(client, prosody)
    event = await login(client, "nobody-here", "x")
    assert event["result"] == 3


async def test_wrong_port_gives_server_disconnected_and_state_0(room, connect):
    from tests.support.ports import free_port

    client = await connect(room)
    port = free_port()  # nothing listens there
    await client.call("connectToServer", server="127.0.0.1", port=port)
    event = await client.wait_event("serverDisconnected")
    assert event["port"] == port
    assert "cannot reach" in event["reason"]
    await client.wait_event("appStateChanged", lambda e: e["appState"] == 0)
    # login is refused clearly while not connected
    reply = await client.call("login", login="a", password="b")
    assert reply["result"] is False
    assert "connectToServer" in reply["error"]


async def test_wrong_domain_is_reported(prosody, room, connect):  # noqa: F811
    client = await connect(room)
    reply = await client.call("setSettings", settings={"serverDomain": "wrong.example"})
    assert reply["result"] is True, reply
    await client.call("connectToServer", server="127.0.0.1", port=prosody.port)
    event = await client.wait_event("serverDisconnected")
    assert "does not serve the domain 'wrong.example'" in event["reason"]
    await client.wait_event("appStateChanged", lambda e: e["appState"] == 0)


async def test_login_with_a_foreign_domain_fails_clearly(prosody, room, connect):  # noqa: F811
    name, password = new_account(prosody)
    client = await connect(room)
    await connect_server(client, prosody)
    event = await login(client, f"{name}@elsewhere.example", password)
    assert event["result"] == 2
    assert "elsewhere.example" in event["error"]
    assert (await client.call("getAppState"))["appState"] == 2


async def test_bad_input_is_refused_and_changes_nothing(room, connect):
    client = await connect(room)
    for params in ({"server": ""}, {"server": "a b"}, {"server": "h", "port": 0}, {"server": "h", "port": "x"}):
        reply = await client.call("connectToServer", **params)
        assert reply["result"] is False, params
        assert reply["error"]
    assert (await client.call("getAppState"))["appState"] == 0
    reply = await client.call("sendMessage", peerId="bob", message="hi")
    assert reply["result"] is False
    assert "not logged in" in reply["error"]


async def test_server_lists_remember_used_servers(prosody, room, connect):  # noqa: F811
    client = await connect(room)
    await connect_server(client, prosody)
    listed = await client.call("getLastUsedServersList", count=5)
    assert listed["lastUsedServersList"] == [f"127.0.0.1:{prosody.port}"]
    await client.call("getAvailableServersList")
    event = await client.wait_event("availableServersListLoaded")
    assert event["serverList"][0]["port"] == prosody.port
    assert (await client.call("removeFromServersList", serverName=f"127.0.0.1:{prosody.port}"))["result"] is True
    assert (await client.call("getLastUsedServersList", count=5))["lastUsedServersList"] == []
    assert (await client.call("removeFromServersList", serverName="nowhere"))["result"] is False


async def test_login_without_server_part_uses_connected_domain(prosody, room, connect):  # noqa: F811
    name, password = new_account(prosody)
    client = await connect(room)
    event = await online(client, prosody, name.upper(), password)
    assert event["peerId"] == f"{name}@localhost"


async def test_connect_to_service_uses_the_last_server(prosody, room, connect):  # noqa: F811
    client = await connect(room)
    reply = await client.call("connectToService")
    assert reply["result"] is False and "connectToServer" in reply["error"]
    await connect_server(client, prosody)
    assert (await client.call("connectToService"))["result"] is True
    event = await client.wait_event("serverConnected")
    assert event["service"] is True and event["port"] == prosody.port


async def test_without_autologin_a_restarted_room_connects_but_does_not_log_in(prosody, room, connect):  # noqa: F811
    name, password = new_account(prosody)
    client = await connect(room)
    assert (await client.call("setSettings", settings={"enableAutologin": False}))["result"] is True
    await online(client, prosody, name, password)
    room.stop()
    stored = b"".join(f.read_bytes() for f in room.data_dir.glob("meetroom.sqlite3*"))
    assert password.encode() not in stored
    room.start()
    client = await connect(room)
    if (await client.call("getAppState"))["appState"] != 2:
        await client.wait_event("appStateChanged", lambda e: e["appState"] == 2)
    assert (await client.call("getLogin"))["isLoggedIn"] is False
    assert (await client.call("getServerDomain"))["domain"] == "localhost"


async def test_tls_is_used_when_offered_and_the_certificate_is_checked(room_factory, connect, tmp_path):
    server = ProsodyServer(tmp_path / "tls-server", tls=True)
    server.start()
    try:
        name, password = new_account(server)
        # a room that does not trust the server's self-signed certificate refuses to log in
        plain = await connect(room_factory(name="untrusting"))
        await connect_server(plain, server)
        refused = await login(plain, name, password)
        assert refused["result"] == 7
        assert "certificate verify failed" in refused["error"]
        # with the certificate as serverCaFile, the login goes through STARTTLS
        trusting = await connect(room_factory(name="trusting"))
        reply = await trusting.call("setSettings", settings={"serverCaFile": str(server.certificate)})
        assert reply["result"] is True
        await online(trusting, server, name, password)
    finally:
        server.stop()
