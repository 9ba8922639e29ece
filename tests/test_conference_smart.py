"""A smart meeting with three real rooms on a real Prosody: the podium follows the voices.

A creates a role-based conference with smartMeeting on and two podium seats (castersCount 2: the
owner and one speaker); B's virtual microphone plays its tone, C's is muted (silence). Every room
announces smartMeetingModeChanged; the listeners send their audio to A, whose selector hears B
speak and gives it the podium, so B's moving picture appears at C; C, silent, stays off. Then B
falls silent and C speaks: B leaves the full podium to C, whose picture appears at B. A switches
the mode off with changeConferenceMode; a listener may not; bad input is refused.
"""

from __future__ import annotations

import asyncio

from tests.support.calls import remote_frame, start_rooms, wait_state
from tests.support.prosody import prosody  # noqa: F401
from tests.test_conference_e2e import _frame_status, _participants


async def _smart_conference(a, b, c) -> tuple[str, dict[str, str]]:
    reply = await a.client.call(
        "createConference",
        title="Smart",
        confType="role",
        autoAccept=True,
        inviteList=[b.call_id, c.call_id],
        smartMeeting=True,
        castersCount=2,
    )
    assert reply["result"] is True, reply
    created = await a.client.wait_event("conferenceCreated", timeout=10)
    assert created["isSmartMeeting"] is True and created["maxParticipantsOnPodium"] == 2
    mode = await a.client.wait_event("smartMeetingModeChanged", timeout=5)
    assert mode == {**mode, "confId": created["confId"], "smartMeeting": True}
    for room in (b, c):
        await room.client.wait_event("inviteReceived", timeout=10)
        assert (await room.client.call("accept"))["result"] is True
    fulls = {a.name: created["conferenceOwner"]}
    for _ in range(2):
        accepted = await a.client.wait_event("peerAccepted", timeout=10)
        fulls[accepted["peerId"].partition("@")[0]] = accepted["peerId"]
    for room in (b, c):
        await wait_state(room.client, 5)
        told = await room.client.wait_event("smartMeetingModeChanged", timeout=10)
        assert (told["confId"], told["smartMeeting"]) == (created["confId"], True)
    return created["confId"], fulls


async def test_the_loud_participant_takes_the_podium_and_the_silent_one_stays_off(prosody, room_factory, connect):  # noqa: F811
    a, b, c = await start_rooms(prosody, room_factory, connect, 3)
    assert (await c.client.call("setMicMute", mute=True))["result"] is True
    # refused before there is a conference, and for a conference that cannot be smart
    refused = await a.client.call("changeConferenceMode", smartMeeting=True)
    assert refused["result"] is False and "not in a conference" in refused["error"]
    refused = await a.client.call(
        "createConference", title="X", confType="symmetric", autoAccept=True, inviteList=[], smartMeeting=True
    )
    assert refused["result"] is False and "role" in refused["error"]
    assert (await a.client.call("getAppState"))["appState"] == 3

    conf_id, fulls = await _smart_conference(a, b, c)
    # B's tone reaches the owner's selector; B goes on the podium and its picture reaches C
    seated = await c.client.wait_event(
        "roleEventOccured", lambda e: e["peerId"] == fulls[b.name] and e["broadcast"] is True, timeout=20
    )
    assert seated["confId"] == conf_id
    picture, _ = await remote_frame(c, fulls[b.name], timeout=15)
    assert picture.std() > 20
    # C, silent, stays a listener: A hears it at level ~0, nobody gets its picture
    await asyncio.sleep(2.0)  # several selector rounds after B's seating
    listed = {p["peerId"]: p for p in await _participants(a, set(fulls.values()))}
    assert listed[fulls[b.name]]["broadcast"] is True and listed[fulls[c.name]]["broadcast"] is False
    assert listed[fulls[b.name]]["audioLevel"] > 0.02 > listed[fulls[c.name]]["audioLevel"]
    for viewer in (a, b):
        status, _body = await _frame_status(viewer, fulls[c.name])
        assert status == 404, viewer.name
    assert not [e for e in c.client.pending_events("roleEventOccured") if e["peerId"] == fulls[c.name]]

    # B falls silent and C speaks: the podium is full, so B (silent longest) makes room for C
    assert (await b.client.call("setMicMute", mute=True))["result"] is True
    assert (await c.client.call("setMicMute", mute=False))["result"] is True
    up = await a.client.wait_event(
        "roleEventOccured", lambda e: e["peerId"] == fulls[c.name] and e["broadcast"] is True, timeout=20
    )
    assert up["confId"] == conf_id
    down = await a.client.wait_event(
        "roleEventOccured", lambda e: e["peerId"] == fulls[b.name] and e["broadcast"] is False, timeout=5
    )
    assert down["confId"] == conf_id
    picture, _ = await remote_frame(b, fulls[c.name], timeout=15)
    assert picture.std() > 20

    # only the owner or a moderator switches the mode; the owner switches it off for everyone
    refused = await c.client.call("changeConferenceMode", smartMeeting=False)
    assert refused["result"] is False and "owner or a moderator" in refused["error"]
    refused = await a.client.call("changeConferenceMode", smartMeeting="off")
    assert refused["result"] is False
    reply = await a.client.call("changeConferenceMode", smartMeeting=False)
    assert reply["result"] is True and reply["confId"] == conf_id
    for room in (a, b, c):
        off = await room.client.wait_event("smartMeetingModeChanged", lambda e: e["smartMeeting"] is False, timeout=5)
        assert off["confId"] == conf_id
    assert (await a.client.call("hangUp", forAll=True))["result"] is True
    for room in (a, b, c):
        await room.client.wait_event("conferenceDeleted", timeout=5)
