"""outputBandWidth caps the real video encoder during a call; getSystemInfo reports its range."""

from __future__ import annotations

import asyncio
import time

from meetroom.client import RoomClient
from tests.support.calls import CallRoom, connected_call, remote_frame, start_rooms
from tests.support.prosody import prosody  # noqa: F401  (fixture)

CAP_KBPS = 150


async def settle(client: RoomClient, below: int, timeout: float) -> list[int]:
    """getOutgoingBitrate samples (every 0.5 s) until one is at or under `below`; returns them all."""
    samples: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        samples.append((await client.call("getOutgoingBitrate"))["bitrate"])
        if 0 < samples[-1] <= below:
            return samples
        await asyncio.sleep(0.5)
    return samples


async def frames_keep_arriving(room: CallRoom, peer: str) -> None:
    _, first = await remote_frame(room, peer)
    await asyncio.sleep(1.0)
    _, later = await remote_frame(room, peer)
    assert later > first + 5, (first, later)


async def test_output_bandwidth_caps_the_encoder_during_a_call(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    limits = (await a.client.call("getSystemInfo"))["bitrateLimits"]
    assert limits["min"] <= CAP_KBPS - 96 < limits["max"], limits
    await connected_call(a, b)
    b_full = (await a.client.wait_event("peerAccepted"))["peerId"]
    a_full = (await b.client.wait_event("newParticipantInConference"))["peerId"]

    # unconstrained, A's encoder runs well above the cap (aiortc starts at 500 kbit/s of video)
    free = await a.client.wait_event("outgoingBitrateChanged", lambda e: e["bitrate"] > 2 * CAP_KBPS, timeout=10)
    assert free["bitrate"] > 2 * CAP_KBPS

    # the owner lowers outputBandWidth mid-call: the measured rate falls near it at once
    assert (await a.client.call("setSettings", settings={"outputBandWidth": CAP_KBPS}))["result"] is True
    changed = await a.client.wait_event("outgoingBitrateChanged", lambda e: e["bitrate"] <= CAP_KBPS * 1.25, timeout=10)
    assert changed["bitrate"] >= CAP_KBPS * 0.4, changed
    samples = await settle(a.client, int(CAP_KBPS * 1.25), timeout=4)
    assert 0 < samples[-1] <= CAP_KBPS * 1.25, samples
    # pictures still flow both ways under the cap
    await frames_keep_arriving(b, a_full)
    await frames_keep_arriving(a, b_full)

    # (raising it again only lifts the ceiling: the rate then climbs as fast as the peer's REMB
    # estimate, which tracked the capped stream, lets it — seconds to tens of seconds)

    # a refused value changes nothing and the call goes on
    bad = await a.client.call("setSettings", settings={"outputBandWidth": 10})
    assert bad["result"] is False and "at least" in bad["error"]
    assert (await a.client.call("getConferences"))["result"] is True
