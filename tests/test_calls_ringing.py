"""Calls that never connect: reject, ring timeout, busy, caller gives up, unknown and offline peers."""

from __future__ import annotations

import asyncio
import json

from tests.support.calls import start_rooms, wait_state
from tests.support.prosody import new_account, prosody  # noqa: F401
from tests.support.trueconf_venv import ensure_venv, run_script


async def test_reject_and_caller_hang_up_while_ringing(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    # B declines: A hears cause 0, B reports rejectSent cause 0, both back to 3
    await a.client.call("call", peerId=b.call_id)
    invite = await b.client.wait_event("inviteReceived", timeout=10)
    assert (await b.client.call("acceptPeer", peerId="someone@localhost"))["result"] is False
    assert (await b.client.call("rejectPeer", peerId=a.call_id))["result"] is True
    sent = await b.client.wait_event("rejectSent")
    assert sent["cause"] == 0 and sent["peerId"] == a.call_id and sent["confId"] == invite["confId"]
    got = await a.client.wait_event("rejectReceived", timeout=5)
    assert got["cause"] == 0 and got["peerId"] == b.call_id
    await wait_state(a.client, 3)
    await wait_state(b.client, 3)
    # nothing to reject or accept any more
    assert (await b.client.call("reject"))["result"] is False
    assert (await b.client.call("accept"))["result"] is False

    # A gives up while B rings: stopCalling on both sides (side 0 here, 1 there)
    await a.client.call("call", peerId=b.call_id)
    await b.client.wait_event("inviteReceived", timeout=10)
    assert (await a.client.call("hangUp"))["result"] is True
    assert (await a.client.wait_event("stopCalling"))["side"] == 0
    stop = await b.client.wait_event("stopCalling", timeout=5)
    assert stop["side"] == 1 and stop["peerId"] == a.call_id
    await wait_state(a.client, 3)
    await wait_state(b.client, 3)
    # B hangs up while it rings: the caller hears a decline
    await a.client.call("call", peerId=b.call_id)
    await b.client.wait_event("inviteReceived", timeout=10)
    assert (await b.client.call("hangUp"))["result"] is True
    assert (await b.client.wait_event("stopCalling"))["side"] == 0
    assert (await a.client.wait_event("rejectReceived", timeout=5))["cause"] == 0
    await wait_state(a.client, 3)
    await wait_state(b.client, 3)
    history = (await b.client.call("getCallHistory", count=10))["calls"]
    assert [c["type"] for c in history] == [2, 2, 2]  # all missed at B
    assert all(c["viewed"] is False for c in history)
    assert (await b.client.call("setLastCallsViewed"))["result"] is True
    viewed = await b.client.wait_event("lastCallsViewed")
    assert (await b.client.call("getLastCallsViewTime"))["time"] == viewed["lastView"]
    assert all(c["viewed"] for c in (await b.client.call("getCallHistory", count=10))["calls"])
    await b.client.call("clearCallHistory")
    await b.client.wait_event("callHistoryCleared")
    assert (await b.client.call("getCallHistory", count=10))["calls"] == []
    assert (await b.client.call("getCallHistory", count=-1))["result"] is False


async def test_ring_timeout_and_busy(prosody, room_factory, connect):  # noqa: F811
    a, b, c = await start_rooms(prosody, room_factory, connect, 3, ring_timeout=2)
    await a.client.call("call", peerId=b.call_id)
    await b.client.wait_event("inviteReceived", timeout=10)
    # C calls B while B rings: busy
    await c.client.call("call", peerId=b.call_id)
    busy = await c.client.wait_event("rejectReceived", timeout=5)
    assert busy["cause"] == 2 and busy["peerId"] == b.call_id
    assert (await b.client.wait_event("rejectSent"))["cause"] == 2
    await wait_state(c.client, 3)
    # nobody answers A within 2 s: cause 16, B stops ringing
    timeout = await a.client.wait_event("rejectReceived", timeout=6)
    assert timeout["cause"] == 16
    assert (await b.client.wait_event("stopCalling", timeout=5))["side"] == 1
    await wait_state(a.client, 3)
    await wait_state(b.client, 3)

    # with autoAccept on, C answers by itself
    await c.client.call("setSettings", settings={"autoAccept": True})
    await a.client.call("call", peerId=c.call_id)
    await c.client.wait_event("inviteReceived", timeout=10)
    await wait_state(a.client, 5, timeout=15)
    await wait_state(c.client, 5)
    await a.client.call("hangUp")
    await wait_state(c.client, 3)


async def test_unknown_and_offline_peers(prosody, room_factory, connect):  # noqa: F811
    (a,) = await start_rooms(prosody, room_factory, connect, 1)
    offline, _ = new_account(prosody, "off")
    for peer in ("nosuchuser@localhost", f"{offline}@localhost"):
        assert (await a.client.call("call", peerId=peer))["result"] is True
        got = await a.client.wait_event("rejectReceived", timeout=8)
        assert got["cause"] in (3, 5) and got["peerId"] == peer
        await wait_state(a.client, 3)
    for bad in ("", "a b@localhost", "x@", "@localhost"):
        reply = await a.client.call("call", peerId=bad)
        assert reply["result"] is False and reply["error"]
    assert (await a.client.call("call", peerId=a.call_id))["result"] is False  # not ourselves
    assert (await a.client.call("hangUp"))["result"] is False
    assert (await a.client.call("getAppState"))["appState"] == 3


async def test_presence_shows_the_room_busy_during_a_call(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)

    def status_of(peer: str, ext: int):
        return lambda e: any(u["peerId"] == peer and u["extStatus"] == ext for u in e["usersStatuses"])

    assert (await a.client.call("addToAbook", peerId=b.call_id))["result"] is True
    await a.client.wait_event("usersStatusesChanged", status_of(b.call_id, 4), timeout=10)
    await b.client.call("call", peerId=a.call_id)
    await a.client.wait_event("inviteReceived", timeout=10)
    await a.client.call("accept")
    await a.client.wait_event("usersStatusesChanged", status_of(b.call_id, 9), timeout=10)
    await wait_state(a.client, 5, timeout=15)
    await a.client.call("hangUp")
    await a.client.wait_event("usersStatusesChanged", status_of(b.call_id, 4), timeout=10)
    # B logs out: a contact known to be offline is refused at once with cause 3
    assert (await b.client.call("logout"))["result"] is True
    await a.client.wait_event(
        "usersStatusesChanged", lambda e: e["usersStatuses"][0]["extStatus"] in (0, 1), timeout=10
    )
    started = asyncio.get_running_loop().time()
    await a.client.call("call", peerId=b.call_id)
    assert (await a.client.wait_event("rejectReceived", timeout=5))["cause"] == 3
    assert asyncio.get_running_loop().time() - started < 2
    await wait_state(a.client, 3)


async def test_python_trueconf_room_library_calls_and_answers(prosody, room_factory, connect, tmp_path):  # noqa: F811
    await asyncio.to_thread(ensure_venv)
    a, b = await start_rooms(prosody, room_factory, connect)
    args = {"caller_port": a.proc.http_port, "callee_port": b.proc.http_port, "peer": b.call_id}
    out = await asyncio.to_thread(run_script, "call_flow.py", tmp_path / "client", json.dumps(args))
    assert out["ready"] is True
    states = out["states"]
    assert 4 in states and 5 in states and states.index(4) < states.index(5)
    assert out["events"]["inviteReceived"]["peerId"] == a.call_id
    created = out["events"]["conferenceCreated"]
    assert created["confId"].endswith("@localhost#vcs")
    assert out["conference"] is True and out["events"]["getConferences"]["confId"] == created["confId"]
    assert out["idle"] is True and states[-1] == 3


async def test_ice_host_option_and_setting_are_checked(prosody, room_factory, connect, tmp_path):  # noqa: F811
    from tests.support.netroom import online
    from tests.support.process import RoomProcess

    bad = RoomProcess(tmp_path / "bad", ["--ice-host", "not-an-address"])
    assert bad.start_expecting_failure() != 0
    assert "--ice-host" in bad.text and "not-an-address" in bad.text

    name, password = new_account(prosody, "ice")
    room = room_factory(name="no-ice-option")  # no --ice-host: the setting decides
    client = await connect(room)
    await online(client, prosody, name, password)
    assert (await client.call("setSettings", settings={"iceHostAddresses": "127.0.0.1, nonsense"}))["result"]
    reply = await client.call("call", peerId="someone@localhost")
    assert reply["result"] is False and "iceHostAddresses" in reply["error"] and "nonsense" in reply["error"]
    assert (await client.call("getAppState"))["appState"] == 3
