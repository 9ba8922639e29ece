"""DTMF in a real call between two rooms: symbols sent with toneDial arrive at the peer in order."""

from __future__ import annotations

from meetroom.calls.tones import dtmf_info, read_dtmf
from tests.support.calls import connected_call, start_rooms
from tests.support.prosody import prosody  # noqa: F401

DIGITS = "1234567890*#"


def test_jingle_dtmf_round_trip():
    jingle = dtmf_info("sid-1", "7")
    assert jingle.get("action") == "session-info" and read_dtmf(jingle) == ["7"]
    bad = dtmf_info("sid-1", "x")
    assert read_dtmf(bad) == []


async def test_tone_dial_digits_arrive_in_order(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    created = await connected_call(a, b)
    b_full = (await a.client.wait_event("newParticipantInConference", timeout=10))["peerId"]
    a_full = (await b.client.wait_event("newParticipantInConference", timeout=10))["peerId"]

    bad = await a.client.call("toneDial", callId=b_full, symbol="x")
    assert bad["result"] is False and "symbol" in bad["error"]
    for digit in DIGITS:
        reply = await a.client.call("toneDial", callId=b_full if digit != "5" else b.call_id, symbol=digit)
        assert reply["result"] is True, reply
    got = [await b.client.wait_event("toneDial", timeout=5) for _ in DIGITS]
    assert "".join(e["symbol"] for e in got) == DIGITS
    assert {(e["callId"], e["confId"]) for e in got} == {(a_full, created["confId"])}
    sent = [await a.client.wait_event("toneDial", timeout=5) for _ in DIGITS]
    assert "".join(e["symbol"] for e in sent) == DIGITS and {e["callId"] for e in sent} == {b_full}
    # the call still works and the other direction too
    assert (await b.client.call("toneDial", callId=a_full, symbol="#"))["result"] is True
    assert (await a.client.wait_event("toneDial", lambda e: e["callId"] == b_full, timeout=5))["symbol"] == "#"
    assert (await a.client.call("getAppState"))["appState"] == 5
    assert (await a.client.call("hangUp"))["result"] is True
    await a.client.wait_event("conferenceDeleted", timeout=10)
    after = await a.client.call("toneDial", callId=b_full, symbol="1")
    assert after["result"] is False and "not in a call" in after["error"]
