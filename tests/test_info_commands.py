"""System- and information-level commands against real room processes (and a real Prosody).

getConnected, web manager URL, properties, renderer, plan rights, scheduler, window restore,
overlay token, licensing and update answers, and searchContact over the roster.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.support.calls import start_rooms, wait_state
from tests.support.media import frame_status, token_expired
from tests.support.netroom import connect_server, login
from tests.support.ports import free_port
from tests.support.prosody import new_account, prosody  # noqa: F401


async def assert_no_event(client, name: str) -> None:
    """A round trip after the command: anything it announced has arrived by now."""
    await client.call("getAppState")
    assert client.pending_events(name) == []


# --- without a server -----------------------------------------------------------------------
async def test_information_replies_of_a_room_without_server(room, connect):
    client = await connect(room)
    connected = await client.call("getConnected")
    assert connected["state"] == 0 and connected["serverInfo"] is None

    url = (await client.call("getWebManagerUrl"))["url"]
    assert url == f"http://127.0.0.1:{room.http_port}/"
    async with aiohttp.ClientSession() as http, http.get(url) as r:
        assert r.status == 200  # the address really serves the web manager

    assert (await client.call("getCurrentUserProfileUrl"))["url"] == ""
    assert (await client.call("getProperties"))["properties"] == []
    render = await client.call("getRenderInfo")
    assert render["render"] == "software" and render["vendor"] == "Pillow"
    assert re.fullmatch(r"\d+\.\d+\.\d+", render["version"])
    assert (await client.call("getMaxConfTitleLength"))["length"] == 128
    scheduler = await client.call("getScheduler")
    assert scheduler["cnt"] == 0 and scheduler["conferences"] == []

    tariff = await client.call("getTariffRestrictions")
    permissions = (await client.call("getSystemInfo"))["permissionsInfo"]
    assert {k: tariff[k] for k in permissions} == permissions  # one source for both answers
    assert tariff["p2pSchema"] == [{"maxCasters": 2, "maxParticipants": 2}]
    assert tariff["roleSchema"] == [
        {"maxCasters": permissions["rlMaxNumber"], "maxParticipants": permissions["roleMaxNumber"]}
    ]

    capabilities = await client.call("getLoginCapabilities")
    assert capabilities["result"] is False and "connectToServer" in capabilities["error"]


async def test_licensing_and_update_answers_are_honest(room, connect):
    client = await connect(room)
    assert (await client.call("getLicenseServerStatus"))["status"] == "none"
    assert (await client.call("getTrueConfRoomProKey"))["trueconfRoomKey"] == ""

    activation = await client.call("activateLicense", key="AAAA-BBBB-CCCC")
    assert activation["result"] is False and activation["status"] == "invalid"
    assert "open source" in activation["error"]
    assert (await client.call("activateLicense"))["result"] is False  # key missing
    offline = await client.call("productRegistrationOffline", fileId=1)
    assert offline["result"] is False and "needs no licence" in offline["error"]
    assert (await client.call("productRegistrationOffline", fileId="x"))["result"] is False

    info = await client.call("getUpdateInfo")
    assert info["result"] is True and info["updateAvailable"] is False
    product = (await client.call("getSystemInfo"))["productInfo"]
    assert info["currentVersion"] == f"{product['major']}.{product['minor']}.{product['revision']}"
    for method in ("startUpdate", "cancelUpdate"):
        reply = await client.call(method)
        assert reply["result"] is False and "does not update itself" in reply["error"]
    # nothing changed: the licence type and the connection are as before
    assert (await client.call("getLicenseType"))["value"] == 2
    assert (await client.call("getAppState"))["result"] is True


async def test_hardware_key_is_stable_per_instance_and_admin_only(room_factory, connect, tmp_path):
    first = room_factory(name="first")
    client = await connect(first)
    key = (await client.call("getHardwareKey"))["key"]
    assert re.fullmatch(r"[0-9A-F]{4}(-[0-9A-F]{4}){7}", key)
    await client.close()

    first.stop()  # the same instance again, from the same data directory
    first.start()
    again = await connect(first)
    assert (await again.call("getHardwareKey"))["key"] == key

    other = room_factory(name="second")
    assert (await (await connect(other)).call("getHardwareKey"))["key"] != key

    user = await connect(other, role="user")
    refused = await user.call("getHardwareKey")
    assert refused["result"] is False and "key" not in refused


# --- window ---------------------------------------------------------------------------------
async def test_restore_window_returns_to_the_last_shown_state(room, connect):
    client = await connect(room)
    assert (await client.call("changeWindowState", windowState=3))["result"] is True
    assert (await client.wait_event("windowStateChanged"))["windowState"] == 3
    assert (await client.call("changeWindowState", windowState=1))["result"] is True
    assert (await client.wait_event("windowStateChanged"))["windowState"] == 1

    assert (await client.call("restoreWindow"))["result"] is True
    restored = await client.wait_event("windowStateChanged")
    assert restored["windowState"] == 3 and restored["stayOnTop"] is False
    assert (await client.call("restoreWindow"))["result"] is True  # already shown: no change
    await assert_no_event(client, "windowStateChanged")

    assert (await client.call("showMainWindow", windowState=1, stayOnTop=True))["result"] is True
    shown = await client.wait_event("windowStateChanged")
    assert (shown["windowState"], shown["stayOnTop"]) == (1, True)
    assert (await client.call("showMainWindow", windowState=2))["result"] is False  # stayOnTop required
    assert (await client.call("showMainWindow", windowState=9, stayOnTop=False))["result"] is False
    await assert_no_event(client, "windowStateChanged")

    await client.call("restoreWindow")
    back = await client.wait_event("windowStateChanged")
    assert (back["windowState"], back["stayOnTop"]) == (3, True)


async def test_restore_window_defaults_to_full_screen(room, connect):
    client = await connect(room)
    await client.call("changeWindowState", windowState=1)
    await client.wait_event("windowStateChanged")
    await client.call("restoreWindow")
    assert (await client.wait_event("windowStateChanged"))["windowState"] == 2


# --- overlay token and web manager address ------------------------------------------------
async def test_overlay_token_works_at_the_http_server_until_protection_changes(room_factory, connect):
    room = room_factory("--http-token-ttl", "0.3")
    client = await connect(room)
    token = (await client.call("getOverlayHttpToken"))["token"]
    assert (await client.call("getOverlayHttpToken"))["token"] == token  # stable between occasions
    assert await frame_status(room.http_port, token) == 200
    assert await token_expired(room.http_port, client.http_token)  # an ordinary HTTP token has lived its life...
    assert await frame_status(room.http_port, token) == 200

    reply = await client.call("setAuthParams", userType="admin", authType="password", password="secret-1")
    assert reply["result"] is True
    fresh = (await client.call("getOverlayHttpToken"))["token"]
    assert fresh != token
    assert await frame_status(room.http_port, token) == 401
    assert await frame_status(room.http_port, fresh) == 200

    assert (await client.call("clearTokens"))["result"] is True
    assert await frame_status(room.http_port, fresh) == 401
    assert await frame_status(room.http_port, (await client.call("getOverlayHttpToken"))["token"]) == 200


async def test_web_manager_url_follows_the_http_server(room, connect):
    client = await connect(room)
    new_port = free_port()
    assert (await client.call("setHttpServerSettings", settings={"httpServerPort": new_port}))["result"] is True
    await assert_no_event(client, "webManagerUrlChanged")  # pending until the restart

    assert (await client.call("stopHttpServer"))["result"] is True
    assert (await client.wait_event("webManagerUrlChanged"))["url"] == ""
    assert (await client.call("getWebManagerUrl"))["url"] == ""

    assert (await client.call("startHttpServer"))["result"] is True
    url = f"http://127.0.0.1:{new_port}/"
    assert (await client.wait_event("webManagerUrlChanged"))["url"] == url
    assert (await client.call("getWebManagerUrl"))["url"] == url
    await assert_no_event(client, "webManagerUrlChanged")  # announced once


# --- with a server --------------------------------------------------------------------------
@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """A TCP port that accepts connections and never answers: connecting stays in progress."""
    writers = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in writers:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_get_connected_while_connecting(room, connect, silent_server):
    client = await connect(room)
    assert (await client.call("connectToServer", server="127.0.0.1", port=silent_server))["result"] is True
    await client.wait_event("appStateChanged", lambda e: e["appState"] == 1)
    connected = await client.call("getConnected")
    assert connected["state"] == 1
    assert connected["serverInfo"] == {
        "server": "127.0.0.1",
        "service": False,
        "port": silent_server,
        "domain": "localhost",
    }


async def test_get_connected_login_capabilities_and_search(prosody, room, connect):  # noqa: F811
    name, password = new_account(prosody)
    friend, _ = new_account(prosody, "friend")
    client = await connect(room)
    await connect_server(client, prosody)
    connected = await client.call("getConnected")
    assert connected["state"] == 2
    assert connected["serverInfo"] == {
        "server": "127.0.0.1",
        "service": False,
        "port": prosody.port,
        "domain": "localhost",
    }
    assert (await client.call("getLoginCapabilities"))["authenticationMethod"] == 1
    assert (await client.call("searchContact", searchString="x"))["result"] is False  # not logged in

    event = await login(client, name, password)
    assert event["result"] == 0
    rights = await client.wait_event("tariffRestrictionsChanged")
    assert rights["p2p"] is True and rights["p2pSchema"]

    reply = await client.call("addToAbook", peerId=f"{friend}@localhost", peerDn="Alice Example")
    assert reply["result"] is True
    await client.wait_event("contactsAdded")
    by_name = await client.call("searchContact", searchString="aLiCe")
    assert by_name["searchingResult"] == "aLiCe"
    assert [c["peerId"] for c in by_name["foundContacts"]] == [f"{friend}@localhost"]
    assert by_name["foundContacts"][0]["peerDn"] == "Alice Example"
    by_id = await client.call("searchContact", searchString=friend[:8])
    assert [c["peerId"] for c in by_id["foundContacts"]] == [f"{friend}@localhost"]
    assert (await client.call("searchContact", searchString="nobody-like-this"))["foundContacts"] == []
    assert (await client.call("searchContact", searchString="  "))["result"] is False
    assert (await client.call("searchContact"))["result"] is False

    token = (await client.call("getOverlayHttpToken"))["token"]
    assert (await client.call("logout"))["result"] is True
    await client.wait_event("logout")
    assert (await client.call("getOverlayHttpToken"))["token"] != token  # logout rotates it
    assert await frame_status(room.http_port, token) == 401
    assert (await client.call("getConnected"))["state"] == 2  # still connected to the server


async def test_overlay_token_changes_when_a_call_starts_and_ends(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    before = (await a.client.call("getOverlayHttpToken"))["token"]
    await b.client.call("call", peerId=a.call_id)
    await a.client.wait_event("inviteReceived", timeout=10)
    await a.client.call("accept")
    await wait_state(a.client, 5, timeout=15)
    during = (await a.client.call("getOverlayHttpToken"))["token"]
    assert during != before
    assert await frame_status(a.proc.http_port, before) == 401
    assert await frame_status(a.proc.http_port, during) == 200

    await a.client.call("hangUp")
    await wait_state(a.client, 3, timeout=15)
    after = (await a.client.call("getOverlayHttpToken"))["token"]
    assert after not in (before, during)
    assert await frame_status(a.proc.http_port, after) == 200
