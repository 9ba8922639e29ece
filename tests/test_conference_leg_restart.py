"""A conference leg whose media is lost comes back: its initiator starts a new session.

Two rooms in a conference; the room that waits for legs (the larger full JID) is frozen with
SIGSTOP longer than the silence limit, so the initiator hears nothing on the leg. It logs the
loss, waits its backoff and sends a new session-initiate; once the frozen room runs again it
takes that as the restart, and the picture at the initiator moves again on the new session.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal

import numpy as np

from meetroom.calls.media import SILENCE_LIMIT
from tests.support.calls import remote_frame, start_rooms
from tests.support.prosody import prosody  # noqa: F401

RESTARTING = re.compile(r"conference leg with (\S+): restarting \(session (\S+) replaces (\S+)\)")


async def _log_line(room, pattern: re.Pattern[str], timeout: float) -> re.Match[str]:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        for line in room.proc.output:
            found = pattern.search(line)
            if found:
                return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {pattern.pattern!r} in:\n" + "".join(room.proc.output[-40:]))


async def test_a_lost_leg_is_started_again_by_its_initiator(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect, 2)
    reply = await a.client.call(
        "createConference", title="Restart", confType="symmetric", autoAccept=True, inviteList=[b.call_id]
    )
    assert reply["result"] is True, reply
    owner = (await a.client.wait_event("conferenceCreated", timeout=10))["conferenceOwner"]
    await b.client.wait_event("inviteReceived", timeout=10)
    assert (await b.client.call("accept"))["result"] is True
    await b.client.wait_event("conferenceCreated", timeout=10)
    guest = (await a.client.wait_event("peerAccepted", timeout=10))["peerId"]
    fulls = {a.name: owner, b.name: guest}
    initiator, waiter = (a, b) if owner.encode() < guest.encode() else (b, a)
    await remote_frame(initiator, fulls[waiter.name], timeout=15)
    await asyncio.sleep(2.0)
    _, seq_before = await remote_frame(initiator, fulls[waiter.name])  # a couple of seconds of frames

    os.kill(waiter.proc.proc.pid, signal.SIGSTOP)  # its media (and everything else) stops
    try:
        await asyncio.sleep(SILENCE_LIMIT + 1.5)  # the initiator's silence watchdog fires, its backoff starts
    finally:
        os.kill(waiter.proc.proc.pid, signal.SIGCONT)
    restarted = await _log_line(initiator, RESTARTING, timeout=10)
    assert restarted.group(1) == fulls[waiter.name] and restarted.group(2) != restarted.group(3)
    await _log_line(initiator, re.compile(r"conference leg with \S+ re-established"), timeout=15)

    # the picture moves again at the initiator, and the other way round too
    first, seq1 = await remote_frame(initiator, fulls[waiter.name])
    await asyncio.sleep(0.5)
    later, seq2 = await remote_frame(initiator, fulls[waiter.name])
    assert seq2 > seq1 and not np.array_equal(first, later)
    assert seq1 < seq_before  # the frame numbers started again: these come from the new session's receiver
    _, back1 = await remote_frame(waiter, fulls[initiator.name])
    await asyncio.sleep(0.5)
    _, back2 = await remote_frame(waiter, fulls[initiator.name])
    assert back2 > back1
    # both rooms still list each other, and the waiting side saw the new session as the restart
    for room in (a, b):
        listed = (await room.client.call("getConferenceParticipants"))["participants"]
        assert {p["peerId"] for p in listed} == set(fulls.values())
    assert not [line for line in initiator.proc.output + waiter.proc.output if "Traceback" in line]
