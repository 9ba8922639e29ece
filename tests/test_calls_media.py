"""A real call between two rooms on one Prosody: signalling, API events, media, frames, hang-up."""

from __future__ import annotations

import asyncio
import re

import numpy as np

from tests.support.calls import connected_call, remote_frame, start_rooms, wait_state
from tests.support.media import difference, self_frame
from tests.support.prosody import prosody  # noqa: F401

CONF_ID = re.compile(r"^[0-9a-f]{32}@localhost#vcs$")


async def test_call_accept_media_frames_and_hang_up(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    for room, name in ((a, "Alpha room"), (b, "Bravo room")):  # the test pattern carries this name
        assert (await room.client.call("setSettings", settings={"displayName": name}))["result"] is True

    assert (await a.client.call("prepareCallIdForCall", peerId=b.name))["peerId"] == b.call_id
    assert (await a.client.call("call", peerId=b.name))["result"] is True
    sent = await a.client.wait_event("inviteSent")
    assert sent["peerId"] == b.call_id and sent["confType"] == 0 and CONF_ID.match(sent["confId"])
    await wait_state(a.client, 4)
    invite = await b.client.wait_event("inviteReceived", timeout=10)
    assert invite["peerId"] == a.call_id and invite["confId"] == sent["confId"] and invite["type"] == 0
    await wait_state(b.client, 4)
    # a second call while one is pending is refused and changes nothing
    again = await a.client.call("call", peerId=b.name)
    assert again["result"] is False and "already" in again["error"]

    assert (await b.client.call("accept"))["result"] is True
    created_a = await a.client.wait_event("conferenceCreated", timeout=15)
    created_b = await b.client.wait_event("conferenceCreated", timeout=15)
    for created in (created_a, created_b):
        assert created["confId"] == sent["confId"]
        assert created["confType"] == 0 and created["confTitle"] == ""
        assert created["joinUrl"] == "" and created["realTimeConferenceManagmentUrl"] == ""
    assert created_a["conferenceOwner"] == created_b["conferenceOwner"]
    assert created_a["conferenceOwner"].startswith(a.call_id + "/")
    await wait_state(a.client, 5)
    await wait_state(b.client, 5)
    accepted = await a.client.wait_event("peerAccepted")
    b_full = accepted["peerId"]
    assert b_full.startswith(b.call_id + "/") and accepted["confId"] == sent["confId"]
    joined = await a.client.wait_event("newParticipantInConference")
    assert joined["peerId"] == b_full
    a_full = (await b.client.wait_event("newParticipantInConference"))["peerId"]
    assert a_full == created_a["conferenceOwner"]

    conf = await a.client.call("getConferences")
    assert conf["confId"] == sent["confId"] and conf["type"] == "p2p" and conf["direction"] == "outgoing"
    assert (await b.client.call("getConferences"))["direction"] == "incoming"
    matrix = await a.client.wait_event(
        "videoMatrixChanged", lambda e: any(p["peerId"] == b_full for p in e["participants"])
    )
    assert {p["peerId"] for p in matrix["participants"]} >= {"#self:0", b_full}

    # B's test pattern arrives at A's /frames/ under B's InstanceId, and it moves
    first, seq1 = await remote_frame(a, b_full)
    b_self = await self_frame(b.proc.http_port, b.client.http_token)
    assert first.shape == b_self.shape
    assert difference(first, b_self) < 30
    await asyncio.sleep(0.5)
    later, seq2 = await remote_frame(a, b_full)
    assert seq2 > seq1 and not np.array_equal(first, later)
    # the name label (top left) is B's, not A's; read from a frame past the first key frame, which
    # on a loaded machine is still encoded at the starting bitrate and blurs the small text
    a_self = await self_frame(a.proc.http_port, a.client.http_token)
    b_self = await self_frame(b.proc.http_port, b.client.http_token)
    band = max(12, later.shape[0] // 12)
    label = (slice(band // 2, band // 2 + band), slice(band // 2, band // 2 + 8 * band))
    assert difference(later[label], b_self[label]) < difference(later[label], a_self[label]) / 2
    # and A's picture at B
    picture, _ = await remote_frame(b, a_full)
    assert picture.std() > 20

    # audio energy (A's virtual microphone is a tone) arrives at B
    for _ in range(50):
        peers = (await b.client.call("getConferenceParticipants"))["participants"]
        level = next(p for p in peers if p["peerId"] == a_full).get("audioLevel", 0)
        if level > 0.05:
            break
        await asyncio.sleep(0.1)
    assert level > 0.05, level
    bitrate = (await a.client.call("getOutgoingBitrate"))["bitrate"]
    if bitrate == 0:
        await a.client.wait_event("outgoingBitrateChanged", timeout=6)
        bitrate = (await a.client.call("getOutgoingBitrate"))["bitrate"]
    assert bitrate > 0

    # B hangs up: 6 then 3 on both sides, A sees B leave
    assert (await b.client.call("hangUp", forAll=True))["result"] is True
    await b.client.wait_event("appStateChanged", lambda e: e["appState"] == 6)
    assert (await b.client.wait_event("conferenceDeleted"))["confId"] == sent["confId"]
    await wait_state(b.client, 3)
    assert (await a.client.wait_event("participantLeftConference", timeout=5))["peerId"] == b_full
    await a.client.wait_event("appStateChanged", lambda e: e["appState"] == 6)
    assert (await a.client.wait_event("conferenceDeleted"))["confId"] == sent["confId"]
    await wait_state(a.client, 3)
    status = await a.client.call("getConferences")
    assert status["result"] is False
    gone = await a.client.wait_event(
        "videoMatrixChanged", lambda e: all(p["peerId"] != b_full for p in e["participants"])
    )
    assert gone["participants"]

    # history on both sides, newest first
    calls = (await a.client.call("getCallHistory", count=5))["calls"]
    assert calls[0]["type"] == 1 and calls[0]["peerId"] == b.call_id and calls[0]["duration"] >= 1
    calls_b = (await b.client.call("getCallHistory", count=5))["calls"]
    assert calls_b[0]["type"] == 0 and calls_b[0]["peerId"] == a.call_id

    # a new call works right after
    created = await connected_call(b, a)
    assert CONF_ID.match(created["confId"]) and created["confId"] != sent["confId"]
    assert (await a.client.call("hangUp"))["result"] is True
    await wait_state(a.client, 3)
    await wait_state(b.client, 3)
