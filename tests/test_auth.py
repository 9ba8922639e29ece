"""Every auth path and failure of spec/auth.md, against a running room process."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from meetroom.client import AuthFailed, RoomClient


def assert_granted(reply: dict, privileges: int) -> None:
    assert reply["result"] is True
    assert reply["previleges"] == privileges
    assert reply["resultCode"] == 0
    assert reply["token"] and reply["tokenForHttpServer"]
    assert reply["token"] != reply["tokenForHttpServer"]


async def test_unsecured_room_accepts_plain_unsecured_auth(room, connect):
    client = await connect(room, auth=False)
    reply = await client.call("auth", type="unsecured")
    assert_granted(reply, 2)


async def test_pin_room_gives_admin_to_the_pin_and_refuses_wrong_ones(room_factory, connect):
    room = room_factory("--pin", "4321")
    admin = await connect(room, auth=False)
    assert_granted(await admin.call("auth", type="secured", credentials="4321"), 2)
    wrong = await connect(room, auth=False)
    reply = await wrong.call("auth", type="secured", credentials="0000")
    assert reply["result"] is False and reply["resultCode"] == 3 and "wrong credentials" in reply["error"]
    refused = await wrong.call("fireMyEvent", data="x")
    assert refused["result"] is False and "auth" in refused["error"]
    empty = await wrong.call("auth", type="secured", credentials="")
    assert empty["result"] is False and "credentials" in empty["error"]
    bad_type = await wrong.call("auth", type="magic")
    assert bad_type["result"] is False and bad_type["resultCode"] == 3


async def test_pin_room_unsecured_auth_gets_user_mode_only(room_factory, connect):
    room = room_factory("-pin", "4321")  # the one-dash spelling real clients' docs use
    client = await connect(room, auth=False)
    assert (await client.call("auth", type="unsecured", role="admin"))["result"] is False
    assert_granted(await client.call("auth", type="unsecured"), 1)
    reply = await client.call("clearTokens")
    assert reply["result"] is False and "administrator" in reply["error"]


async def test_role_is_checked(room_factory, connect):
    room = room_factory("--pin", "4321")
    client = await connect(room, auth=False)
    assert_granted(await client.call("auth", type="secured", credentials="4321", role="user"), 1)
    bad = await client.call("auth", type="secured", credentials="4321", role="owner")
    assert bad["result"] is False and "role" in bad["error"]


async def test_connection_token_signs_in_again(room_factory, connect):
    room = room_factory("--pin", "4321")
    first = await connect(room, pin="4321")
    token = first.token
    await first.close()
    again = await connect(room, auth=False)
    assert_granted(await again.call("auth", type="secured", credentials=token), 2)


async def test_admin_switches_to_user_with_role_only_auth(room, connect):
    client = await connect(room)
    reply = await client.call("auth", role="user")
    assert_granted(reply, 1)
    assert (await client.call("clearTokens"))["result"] is False
    back = await client.call("auth", role="admin")
    assert back["result"] is False  # a user cannot climb back without credentials
    stranger = await connect(room, auth=False)
    refused = await stranger.call("auth", role="user")
    assert refused["result"] is False and "administrator" in refused["error"]


async def test_newer_connection_takes_over_the_mode(room, connect):
    first = await connect(room)
    second = await connect(room)
    event = await first.wait_event("authorizationNeeded")
    assert event["cause"] == 1
    refused = await first.call("getAppState")
    assert refused["result"] is False and "auth" in refused["error"]
    assert (await second.call("getAppState"))["result"] is True
    user = await connect(room, role="user")  # the user slot is separate
    assert (await second.call("getAppState"))["result"] is True
    assert (await user.call("getAppState"))["result"] is True


async def test_set_auth_params_password_then_pin(room, connect):
    admin = await connect(room)
    reply = await admin.call("setAuthParams", userType="admin", authType="password", password="s3cret!")
    assert reply["result"] is True and reply["token"] and reply["tokenForHttpServer"]
    assert "newPin" not in reply
    wrong = await connect(room, auth=False)
    with pytest.raises(AuthFailed):
        await wrong.auth("nope")
    ok = await connect(room, auth=False)
    assert_granted(await ok.call("auth", type="secured", credentials="s3cret!"), 2)
    # `ok` took the admin slot: the old admin connection was told so.
    assert (await admin.wait_event("authorizationNeeded"))["cause"] == 1

    user = await connect(room, role="user")
    reply = await ok.call("setAuthParams", userType="user", authType="pin")
    assert reply["result"] is True and reply["newPin"].isalnum() and "token" not in reply
    assert (await user.wait_event("authorizationNeeded"))["cause"] == 4
    user_again = await connect(room, auth=False)
    assert_granted(await user_again.call("auth", type="secured", credentials=reply["newPin"]), 1)
    info = await user_again.call("getAuthInfo")
    assert info["userAuth"] == {"security": "pin", "pin": reply["newPin"]}
    assert info["adminAuth"] == {"security": "password", "pin": ""}


async def test_set_auth_params_ordering_rules(room, connect):
    admin = await connect(room)
    refused = await admin.call("setAuthParams", userType="user", authType="pin")
    assert refused["result"] is False and "administrator" in refused["error"]
    assert (await admin.call("getAuthInfo"))["userAuth"]["security"] == "unsecured"
    for params in (
        {"userType": "admin", "authType": "password"},
        {"userType": "admin", "authType": "password", "password": "ab"},
        {"userType": "root", "authType": "pin"},
        {"userType": "admin", "authType": "face"},
        {"userType": "admin", "authType": "pin", "newPin": "12 34"},
    ):
        reply = await admin.call("setAuthParams", **params)
        assert reply["result"] is False and reply["error"], params
    assert (await admin.call("getAuthInfo"))["adminAuth"]["security"] == "unsecured"

    pin = (await admin.call("setAuthParams", userType="admin", authType="pin", newPin="9876"))["newPin"]
    assert pin == "9876"
    user_pin = (await admin.call("setAuthParams", userType="user", authType="pin"))["newPin"]
    user = await connect(room, pin=user_pin)
    assert user.role == "user"
    # Making admin unsecured resets user protection too; the user connection is told with cause 2.
    assert (await admin.call("setAuthParams", userType="admin", authType="unsecured"))["result"] is True
    assert (await user.wait_event("authorizationNeeded"))["cause"] == 2
    info = await admin.call("getAuthInfo")
    assert info["adminAuth"]["security"] == "unsecured" and info["userAuth"]["security"] == "unsecured"


async def test_user_may_change_only_user_protection_and_never_sees_admin_pin(room_factory, connect):
    room = room_factory("--pin", "4321")
    user = await connect(room, role="user")
    assert (await user.call("setAuthParams", userType="admin", authType="unsecured"))["result"] is False
    info = await user.call("getAuthInfo")
    assert info["adminAuth"] == {"security": "pin", "pin": ""}
    reply = await user.call("setAuthParams", userType="user", authType="password", password="userpass")
    assert reply["result"] is True and reply["token"]
    assert (await connect(room, pin="userpass")).role == "user"


async def test_clear_tokens_voids_connection_tokens(room, connect):
    admin = await connect(room)
    token = admin.token
    assert (await admin.call("clearTokens"))["result"] is True
    later = await connect(room, auth=False)
    reply = await later.call("auth", type="secured", credentials=token)
    assert reply["result"] is False and reply["resultCode"] == 3


async def test_get_token_for_http_server(room, connect):
    client = await connect(room)
    reply = await client.call("getTokenForHttpServer")
    assert reply["result"] is True and reply["token"] and reply["token"] != client.http_token


async def test_repeated_wrong_credentials_are_slowed_down(room_factory, connect):
    room = room_factory("--pin", "4321")
    client = await connect(room, auth=False)
    for _ in range(5):
        assert (await client.call("auth", type="secured", credentials="bad"))["resultCode"] == 3
    locked = await client.call("auth", type="secured", credentials="4321")
    assert locked["result"] is False and "too many" in locked["error"] and locked["retryAfter"] > 0
    await asyncio.sleep(locked["retryAfter"] + 0.1)  # waiting out the lockout is the behaviour under test
    assert_granted(await client.call("auth", type="secured", credentials="4321"), 2)


async def _unsecured_auth_from(room, origin: str) -> dict:
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(f"ws://127.0.0.1:{room.ws_port}/", headers={"Origin": origin}) as ws,
    ):
        await ws.send_json({"method": "auth", "type": "unsecured"})
        return await ws.receive_json(timeout=5)


async def test_unsecured_control_from_a_foreign_web_page_is_refused(room):
    for origin, allowed in (
        ("http://evil.example", False),
        (f"http://127.0.0.1:{room.http_port}", True),
        (f"http://localhost:{room.http_port}", True),
        ("null", False),  # a sandboxed iframe of any site, or a file page: the same to the room
        ("file://", False),
    ):
        reply = await _unsecured_auth_from(room, origin)
        assert reply["result"] is allowed, origin
        if origin == "http://evil.example":
            assert "setAuthParams" in reply["error"]
        elif not allowed:
            assert "--allow-file-pages" in reply["error"] and "allowFilePages" in reply["error"], reply


async def test_file_pages_take_unsecured_control_only_with_the_administrators_opt_in(room_factory, connect):
    opted_in = room_factory("--allow-file-pages", name="opted-in")
    assert (await _unsecured_auth_from(opted_in, "null"))["result"] is True
    assert (await _unsecured_auth_from(opted_in, "http://evil.example"))["result"] is False

    room = room_factory(name="by-setting")
    assert (await _unsecured_auth_from(room, "null"))["result"] is False
    admin = await connect(room)
    assert (await admin.call("setSettings", settings={"allowFilePages": True}))["result"] is True
    await admin.close()
    assert (await _unsecured_auth_from(room, "null"))["result"] is True


async def test_only_an_administrator_may_allow_file_pages(room_factory, connect):
    room = room_factory("--pin", "4321")
    admin = await connect(room, pin="4321")
    assert (await admin.call("setAuthParams", userType="user", authType="pin", newPin="8642"))["result"] is True
    user = await connect(room, pin="8642", role="user")
    reply = await user.call("setSettings", settings={"allowFilePages": True})
    assert reply["result"] is False and "administrator" in reply["error"]
    setting = next(s for s in (await admin.call("getSettings"))["settings"] if s["name"] == "allowFilePages")
    assert setting["value"] is False


async def test_client_reconnects_with_its_token(room_factory, connect):
    room = room_factory("--pin", "4321")
    client = await connect(room, pin="4321", auto_reconnect=True)
    # A frame over the size limit makes the room close this connection (1009).
    await client.send_text("x" * (1 << 20 + 1))
    await asyncio.wait_for(client.reconnected.wait(), 20)
    assert client.reconnects == 1
    assert client.role == "admin"
    assert (await client.call("getAppState"))["result"] is True


def test_room_client_is_importable_without_a_loop():
    assert RoomClient("127.0.0.1", 1).http_port == 1
