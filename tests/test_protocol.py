"""Wire rules of the control socket that need the real socket: ids, order, binary frames, fan-out.

The request rules themselves (parsing, parameters, auth order, API version) are checked in-process
in test_protocol_units.py.
"""

from __future__ import annotations

import asyncio
import json


async def raw_reply(client, text: str) -> dict:
    await client.send_text(text)
    return await asyncio.wait_for(client.unmatched.get(), 5)


async def test_request_id_is_echoed_or_empty(room, connect):
    client = await connect(room)
    assert (await client.call("getAppState"))["requestId"] == "2"  # "1" was auth
    await client.send_text(json.dumps({"method": "getAppState", "requestId": 77}))
    numeric = await asyncio.wait_for(client.unmatched.get(), 5)
    assert numeric["requestId"] == 77
    no_id = await raw_reply(client, '{"method":"getAppState"}')
    assert no_id["requestId"] == "" and no_id["result"] is True


async def test_bad_frames_get_error_replies_and_connection_stays(room, connect):
    client = await connect(room)
    # Every rule is in test_protocol_units; here a few travel the real socket to show the
    # connection stays up after each.
    cases = {"{not json": "invalid JSON", "[1,2,3]": "JSON object", '{"method":"noSuchCommand"}': "unknown method"}
    for text, expected in cases.items():
        reply = await raw_reply(client, text)
        assert reply["result"] is False, text
        assert expected in reply["error"], (text, reply)
        assert "method" in reply and "requestId" in reply
    assert (await client.call("getAppState"))["result"] is True


async def test_binary_frame_gets_error_reply(room, connect):
    client = await connect(room)
    await client.send_bytes(b"\x00\xff binary")
    reply = await asyncio.wait_for(client.unmatched.get(), 5)
    assert reply["result"] is False and "binary" in reply["error"]
    assert (await client.call("getAppState"))["result"] is True


async def test_replies_keep_request_order(room, connect):
    client = await connect(room)
    methods = ["getAppState", "getSettings", "getSystemInfo", "getMonitorsInfo", "setUsedApiVersion"]
    for i in range(200):
        method = methods[i % len(methods)]
        extra = {"version": "1"} if method == "setUsedApiVersion" else {}
        await client.send_text(json.dumps({"method": method, "requestId": f"r{i}", **extra}))
    got = [await asyncio.wait_for(client.unmatched.get(), 5) for _ in range(200)]
    assert [m["requestId"] for m in got] == [f"r{i}" for i in range(200)]
    assert all(m["result"] is True for m in got)


async def test_api_version_2_adds_v2_fields(room, connect):
    v1 = await connect(room)
    assert "deviceInstancePath" not in (await v1.call("getMonitorsInfo"))["monitors"][0]
    v2 = await connect(room, auth=False)
    await v2.set_api_version("2")
    await v2.auth()
    assert "deviceInstancePath" in (await v2.call("getMonitorsInfo"))["monitors"][0]


async def test_notifications_reach_authorised_connections_only(room, connect):
    sender = await connect(room)
    listener = await connect(room, role="user")  # a second admin would take the first one's slot
    stranger = await connect(room, auth=False)
    assert (await sender.call("fireMyEvent", data="hello"))["result"] is True
    for client in (sender, listener):
        event = await client.wait_event("myEvent")
        assert event == {"method": "event", "event": "myEvent", "data": "hello"}
    # The stranger's queue would hold the event before this reply if it had been sent.
    assert (await stranger.call("setUsedApiVersion", version="1"))["result"] is True
    assert stranger.pending_events() == []
