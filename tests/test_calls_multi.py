"""Calls to an account logged in twice (three rooms), and a call whose peer dies mid-call."""

from __future__ import annotations

import asyncio
import os
import signal
import time

from tests.support.calls import connected_call, remote_frame, start_rooms, wait_state
from tests.support.prosody import prosody  # noqa: F401


async def test_call_id_rings_every_instance_and_the_first_answer_wins(prosody, room_factory, connect):  # noqa: F811
    (a,) = await start_rooms(prosody, room_factory, connect, 1)
    b1, b2 = await start_rooms(prosody, room_factory, connect, 2, same_account=True)
    assert b1.call_id == b2.call_id

    await a.client.call("call", peerId=b1.call_id)
    invites = await asyncio.gather(*(r.client.wait_event("inviteReceived", timeout=10) for r in (b1, b2)))
    assert invites[0]["confId"] == invites[1]["confId"]
    assert (await b2.client.call("accept"))["result"] is True
    stop = await b1.client.wait_event("stopCalling", timeout=5)
    assert stop["side"] == 1
    await wait_state(b1.client, 3)
    accepted = await a.client.wait_event("peerAccepted", timeout=15)
    b2_full = accepted["peerId"]
    await wait_state(a.client, 5)
    await wait_state(b2.client, 5)
    assert (await b1.client.call("getAppState"))["appState"] == 3
    await a.client.call("hangUp")
    await wait_state(b2.client, 3)
    await wait_state(a.client, 3)

    # declined on one instance: the caller hears the decline, the other instance stops ringing
    await a.client.call("call", peerId=b1.call_id)
    await asyncio.gather(*(r.client.wait_event("inviteReceived", timeout=10) for r in (b1, b2)))
    assert (await b1.client.call("reject"))["result"] is True
    assert (await a.client.wait_event("rejectReceived", timeout=5))["cause"] == 0
    assert (await b2.client.wait_event("stopCalling", timeout=5))["side"] == 1
    await asyncio.gather(*(wait_state(r.client, 3) for r in (a, b1, b2)))

    # an InstanceId rings that instance only
    b1.client.clear_events()
    a.client.clear_events()
    await a.client.call("call", peerId=b2_full)
    assert (await a.client.wait_event("inviteSent"))["peerId"] == b2_full
    await b2.client.wait_event("inviteReceived", timeout=10)
    await b2.client.call("accept")
    await wait_state(a.client, 5, timeout=15)
    assert b1.client.pending_events("inviteReceived") == []
    assert (await b1.client.call("getAppState"))["appState"] == 3
    await b2.client.call("hangUp")
    await wait_state(a.client, 3)


async def test_mutes_receiving_and_peer_dropping_mid_call(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    await connected_call(a, b)
    b_full = (await a.client.wait_event("peerAccepted"))["peerId"]
    a_full = (await b.client.wait_event("peerAccepted"))["peerId"]

    # A's mutes reach B as deviceStatusReceived
    await a.client.call("setMicMute", mute=True)
    status = await b.client.wait_event("deviceStatusReceived", timeout=5)
    assert (status["peerId"], status["mic"], status["video"]) == (a_full, 1, 2)
    await a.client.call("setVideoMute", mute=True)
    status = await b.client.wait_event("deviceStatusReceived", timeout=5)
    assert (status["mic"], status["video"]) == (1, 1)
    peers = (await b.client.call("getConferenceParticipants"))["participants"]
    assert next(p for p in peers if p["peerId"] == a_full)["mic"] == 1
    await a.client.call("setMicMute", mute=False)
    assert (await b.client.wait_event("deviceStatusReceived", timeout=5))["mic"] == 2

    # A stops showing B's video, then shows it again
    await remote_frame(a, b_full)
    assert (await a.client.call("enableVideoReceiving", peerId=b_full, enable=False))["result"] is True
    assert (await a.client.wait_event("enableVideoReceivingChanged"))["enable"] is False
    assert (await a.client.call("enableVideoReceiving", peerId="nobody@localhost", enable=False))["result"] is False
    await a.client.call("enableVideoReceiving", peerId=b_full, enable=True)
    await remote_frame(a, b_full)
    # audio from B stops counting at A while A does not receive it
    assert (await a.client.call("enableAudioReceiving", peerId=b_full, enable=False))["result"] is True
    assert (await a.client.wait_event("enableAudioReceivingChanged"))["enable"] is False
    peers = (await a.client.call("getConferenceParticipants"))["participants"]
    assert next(p for p in peers if p["peerId"] == b_full)["audioLevel"] == 0
    await a.client.call("enableAudioReceiving", peerId=b_full, enable=True)
    assert (await a.client.call("getAudioReceivingLevel", peerId=b_full))["level"] == 100
    assert (await a.client.call("setAudioReceivingLevel", peerId=b_full, level=50))["result"] is True
    assert (await a.client.call("getAudioReceivingLevel", peerId=b_full))["level"] == 50
    assert (await a.client.call("setAudioReceivingLevel", peerId=b_full, level=500))["result"] is False

    # B's process dies: A ends the call by itself within a few seconds
    a.client.clear_events()
    started = time.monotonic()
    os.kill(b.proc.proc.pid, signal.SIGKILL)
    b.proc.proc.wait(5)
    left = await a.client.wait_event("participantLeftConference", timeout=8)
    assert left["peerId"] == b_full
    await a.client.wait_event("conferenceDeleted", timeout=3)
    await wait_state(a.client, 3, timeout=3)
    assert time.monotonic() - started < 6

    # B comes back (logs in by itself) and the rooms can talk again
    b.proc.start()
    b.client = await connect(b.proc)
    await wait_state(b.client, 3, timeout=15)
    await connected_call(b, a)
    await a.client.call("setMicMute", mute=False)
    await b.client.call("hangUp")
    await wait_state(a.client, 3)
