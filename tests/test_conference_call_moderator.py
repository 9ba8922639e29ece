"""Calling a conference moderator asks to join, as calling the owner does.

A owns a members-only conference and makes B a moderator. C calls B's CallId: B's room tells C
which conference it is and, since the membership of a members-only room is the owner's to give,
sends C on to A; C waits (inviteRequestSent for B, appState 4, never busy) and A's waiting room has
it (requestInviteReceived). A admits C, and C joins. Then A opens the room, D calls B, and D is
let in at once (the owner's answer: nobody is asked).
"""

from __future__ import annotations

from tests.support.calls import join_request_waits, start_rooms, wait_state
from tests.support.prosody import prosody  # noqa: F401


async def test_calling_a_moderator_asks_to_join(prosody, room_factory, connect):  # noqa: F811
    a, b, c, d = await start_rooms(prosody, room_factory, connect, 4)
    reply = await a.client.call(
        "createConference", title="Board", confType="symmetric", autoAccept=False, inviteList=[b.call_id]
    )
    assert reply["result"] is True, reply
    created = await a.client.wait_event("conferenceCreated", timeout=10)
    await b.client.wait_event("inviteReceived", timeout=10)
    assert (await b.client.call("accept"))["result"] is True
    b_full = (await a.client.wait_event("peerAccepted", timeout=10))["peerId"]
    await wait_state(b.client, 5)
    assert (await a.client.call("setModeratorRole", peerId=b_full, moderator=True))["result"] is True
    await b.client.wait_event("roleEventOccured", lambda e: e["peerId"] == b_full and e["moderator"], timeout=5)

    # members-only: B forwards C to A's waiting room
    assert (await c.client.call("call", peerId=b.call_id))["result"] is True
    asked = await join_request_waits(a, c, b.call_id, created["confId"])
    assert not b.client.pending_events("inviteReceived")
    assert (await a.client.call("acceptPeer", peerId=asked))["result"] is True
    joined = await c.client.wait_event("conferenceCreated", timeout=10)
    assert joined["confId"] == created["confId"]
    await wait_state(c.client, 5)
    assert not c.client.pending_events("rejectReceived")

    # an open room: the caller, sent on to the owner, is let in at once
    assert (await a.client.call("setWaitingRoomState", enable=False))["result"] is True
    await a.client.wait_event("waitingRoomStateChanged", lambda e: e["isWaitingRoomEnabled"] is False, timeout=5)
    assert (await d.client.call("call", peerId=b.call_id))["result"] is True
    await d.client.wait_event("inviteRequestSent", timeout=10)
    joined = await d.client.wait_event("conferenceCreated", timeout=10)
    assert joined["confId"] == created["confId"]
    await wait_state(d.client, 5)
    d_joined = await b.client.wait_event(
        "newParticipantInConference", lambda e: e["peerId"].startswith(d.call_id + "/"), timeout=10
    )
    assert d_joined["confId"] == created["confId"]
    assert not a.client.pending_events("requestInviteReceived") and not d.client.pending_events("rejectReceived")
    assert (await a.client.call("hangUp", forAll=True))["result"] is True
    for room in (a, b, c, d):
        await room.client.wait_event("conferenceDeleted", timeout=5)
