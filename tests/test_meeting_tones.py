"""DTMF in a real call between two rooms: symbols sent with toneDial arrive at the peer in order.

Two meetrooms negotiate RFC 4733 telephone-event; a room with the telephoneEvent setting off
does not, and then the tones go as XEP-0181 Jingle DTMF. Each room's log says which carried them.
"""

from __future__ import annotations

import asyncio

import pytest

from meetroom.calls.tones import dtmf_info, read_dtmf
from meetroom.media.dtmfrtp import event_payload, read_event
from tests.support.calls import connected_call, start_rooms
from tests.support.prosody import prosody  # noqa: F401

DIGITS = "1234567890*#"


def test_dtmf_payloads():
    jingle = dtmf_info("sid-1", "7")
    assert jingle.get("action") == "session-info" and read_dtmf(jingle) == ["7"]
    assert read_dtmf(dtmf_info("sid-1", "x")) == []
    payload = event_payload("#", 4800, end=True)
    assert payload == bytes([11, 0x80 | 10, 0x12, 0xC0]) and read_event(payload) == ("#", True)
    assert read_event(bytes([16, 0, 0, 1])) is None  # not a DTMF key


async def _heard(client, timeout: float = 5.0) -> list[dict]:
    """The participant list once someone's sound is heard (the level is smoothed, and sound can
    stall for a moment on a loaded machine)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        participants = (await client.call("getConferenceParticipants"))["participants"]
        if any(p.get("audioLevel", 0) > 0.01 for p in participants) or asyncio.get_running_loop().time() > deadline:
            return participants
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("telephone_event", [True, False], ids=["rfc4733", "xep0181"])
async def test_tone_dial_digits_arrive_in_order(prosody, room_factory, connect, telephone_event):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    reply = await b.client.call("setSettings", settings={"telephoneEvent": telephone_event})
    assert reply["result"] is True
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
    carrier = "RFC 4733 telephone-event" if telephone_event else "XEP-0181 Jingle DTMF"
    assert f"tone 1 to {b_full} as {carrier}" in a.proc.text
    assert f"tone # from {a_full} by {carrier}" in b.proc.text

    # the other direction, and the call's audio still flows after the events
    assert (await b.client.call("toneDial", callId=a_full, symbol="#"))["result"] is True
    assert (await a.client.wait_event("toneDial", lambda e: e["callId"] == b_full, timeout=5))["symbol"] == "#"
    participants = await _heard(b.client)
    assert any(p.get("audioLevel", 0) > 0.01 for p in participants), participants
    assert (await a.client.call("getAppState"))["appState"] == 5
    assert (await a.client.call("hangUp"))["result"] is True
    await a.client.wait_event("conferenceDeleted", timeout=10)
    after = await a.client.call("toneDial", callId=b_full, symbol="1")
    assert after["result"] is False and "not in a call" in after["error"]
