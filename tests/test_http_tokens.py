"""HTTP token rules of the built-in server: lifetime, PIN exception, revocation."""

from __future__ import annotations

import asyncio

import aiohttp

SELF = "%23self%3A0"


async def frame_status(room, token: str | None) -> int:
    query = f"peerId={SELF}" + (f"&token={token}" if token is not None else "")
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{room.http_port}/frames/?{query}") as r:
        await r.read()
        return r.status


async def test_http_token_expires_after_its_lifetime(room_factory, connect):
    room = room_factory("--http-token-ttl", "1")
    client = await connect(room)
    assert await frame_status(room, client.http_token) == 200
    assert await frame_status(room, None) == 401
    assert await frame_status(room, "4*bogus") == 401
    await asyncio.sleep(1.2)  # the lifetime itself is what is being tested
    assert await frame_status(room, client.http_token) == 401
    fresh = (await client.call("getTokenForHttpServer"))["token"]
    assert await frame_status(room, fresh) == 200


async def test_http_token_does_not_expire_under_pin_protection(room_factory, connect):
    room = room_factory("--http-token-ttl", "1", "--pin", "5555")
    client = await connect(room, pin="5555")
    await asyncio.sleep(1.2)
    assert await frame_status(room, client.http_token) == 200


async def test_takeover_and_clear_tokens_void_http_tokens(room, connect):
    first = await connect(room)
    token = first.http_token
    assert await frame_status(room, token) == 200
    second = await connect(room)
    await first.wait_event("authorizationNeeded")
    assert await frame_status(room, token) == 401
    assert await frame_status(room, second.http_token) == 200
    await second.call("clearTokens")
    assert await frame_status(room, second.http_token) == 401
