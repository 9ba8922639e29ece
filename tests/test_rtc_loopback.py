"""Two peer connections from meetroom.media.rtc talk over 127.0.0.1 only and carry real media.

The sender's video is a moving pattern from an aiortc VideoStreamTrack subclass and its audio a
440 Hz tone; the receiver must decode frames that look like them. Every local and remote candidate
must be on 127.0.0.1, which is what keeps call traffic on loopback in the test suite.
"""

from __future__ import annotations

import asyncio
import fractions
import ipaddress
import time
import xml.etree.ElementTree as ET
from typing import Any

import aioice
import aioice.ice
import aioice.stun
import av
import numpy as np
import pytest
from aiortc import MediaStreamTrack, RTCSessionDescription, VideoStreamTrack
from aiortc.mediastreams import AUDIO_PTIME

from meetroom.media.rtc import IcePolicy, RoomPeerConnection, create_peer_connection, parse_hosts
from meetroom.net.jingle import jingle_to_sdp, sdp_to_jingle

LOOPBACK = "127.0.0.1"
PATTERN_RGB = (200, 40, 90)


class PatternTrack(VideoStreamTrack):
    """320x240 frames of a fixed colour with a white bar that moves every frame."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        image = np.empty((240, 320, 3), dtype=np.uint8)
        image[:] = PATTERN_RGB
        x = (self.count * 8) % 288
        image[100:140, x : x + 32] = 255
        self.count += 1
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts, frame.time_base = pts, time_base
        return frame


class ToneTrack(MediaStreamTrack):
    """48 kHz mono s16 frames of a 440 Hz sine, paced like a microphone."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self.samples = 0
        self.start: float | None = None

    async def recv(self) -> av.AudioFrame:
        rate, count = 48000, int(48000 * AUDIO_PTIME)
        if self.start is None:
            self.start = time.monotonic()
        else:
            wait = self.start + self.samples / rate - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        t = (np.arange(count) + self.samples) / rate
        data = (np.sin(2 * np.pi * 440 * t) * 12000).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(data, format="s16", layout="mono")
        frame.sample_rate = rate
        frame.pts = self.samples
        frame.time_base = fractions.Fraction(1, rate)
        self.samples += count
        return frame


def local_addresses(pc: RoomPeerConnection) -> list[str]:
    out = []
    for transceiver in pc.getTransceivers():
        ice = transceiver.sender.transport.transport
        out += [c.ip for c in ice.iceGatherer.getLocalCandidates()]
    return out


def remote_addresses(pc: RoomPeerConnection) -> list[str]:
    out = []
    for transceiver in pc.getTransceivers():
        out += [c.ip for c in transceiver.sender.transport.transport.getRemoteCandidates()]
    return out


def sdp_candidate_addresses(sdp: str) -> list[str]:
    return [line.split()[4] for line in sdp.splitlines() if line.startswith("a=candidate:")]


def via_jingle(sdp: str, action: str, policy: IcePolicy) -> str:
    """What calls will do: SDP → Jingle XML text on the wire → parsed → SDP for the other side."""
    wire = ET.tostring(sdp_to_jingle(sdp, sid="call-1", action=action))
    return jingle_to_sdp(ET.fromstring(wire), candidate_filter=policy.allows_remote, end_of_candidates=True)


def first_channel(frame: av.AudioFrame) -> np.ndarray:
    """Samples of channel 0 (aiortc's Opus decoder gives interleaved stereo s16)."""
    channels = len(frame.layout.channels)
    return frame.to_ndarray().astype(np.float64).reshape(-1, channels)[:, 0]


async def first_frames(track: MediaStreamTrack, want: int, timeout: float) -> list[Any]:
    frames = []
    async with asyncio.timeout(timeout):
        while len(frames) < want:
            frames.append(await track.recv())
    return frames


async def run_call(signal_through_jingle: bool) -> dict[str, Any]:
    policy = IcePolicy(hosts=(LOOPBACK,))
    caller = create_peer_connection(policy=policy)
    callee = create_peer_connection(policy=policy)
    received: dict[str, asyncio.Future[MediaStreamTrack]] = {
        "audio": asyncio.get_running_loop().create_future(),
        "video": asyncio.get_running_loop().create_future(),
    }

    @callee.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        received[track.kind].set_result(track)

    try:
        caller.addTrack(ToneTrack())
        caller.addTrack(PatternTrack())
        started = time.perf_counter()
        await caller.setLocalDescription(await caller.createOffer())
        offer = caller.localDescription.sdp
        if signal_through_jingle:
            offer = via_jingle(offer, "session-initiate", policy)
        await callee.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        await callee.setLocalDescription(await callee.createAnswer())
        answer = callee.localDescription.sdp
        if signal_through_jingle:
            answer = via_jingle(answer, "session-accept", policy)
        await caller.setRemoteDescription(RTCSessionDescription(answer, "answer"))

        video = await asyncio.wait_for(received["video"], 10)
        (first,) = await first_frames(video, 1, 10)
        first_frame_s = time.perf_counter() - started
        later = (await first_frames(video, 10, 10))[-1]
        audio = await asyncio.wait_for(received["audio"], 10)
        sound = await first_frames(audio, 40, 10)
        assert caller.connectionState == callee.connectionState == "connected"
        return {
            "first_frame_s": first_frame_s,
            "first": first.to_ndarray(format="rgb24"),
            "later": later.to_ndarray(format="rgb24"),
            "sound": np.concatenate([first_channel(f) for f in sound]),
            "sound_rate": sound[-1].sample_rate,
            "addresses": local_addresses(caller) + local_addresses(callee),
            "remote": remote_addresses(caller) + remote_addresses(callee),
            "sdp_addresses": sdp_candidate_addresses(caller.localDescription.sdp)
            + sdp_candidate_addresses(callee.localDescription.sdp),
        }
    finally:
        await caller.close()
        await callee.close()


def check_media(result: dict[str, Any]) -> None:
    first, later = result["first"], result["later"]
    assert first.shape == (240, 320, 3)
    # mostly the pattern colour (VP8 is lossy, so a tolerance), and the bar has moved since
    background = first[10:90, :, :].reshape(-1, 3).mean(axis=0)
    assert np.allclose(background, PATTERN_RGB, atol=20), background
    assert not np.array_equal(first[100:140], later[100:140])
    # the tone arrives: real energy at 440 Hz, not silence
    sound = result["sound"][-9600:]
    assert np.sqrt(np.mean(sound**2)) > 1000
    peak = np.fft.rfftfreq(len(sound), 1 / result["sound_rate"])[int(np.argmax(np.abs(np.fft.rfft(sound))))]
    assert 420 < peak < 460, peak


@pytest.mark.parametrize("through_jingle", [False, True], ids=["sdp", "jingle"])
async def test_two_rooms_exchange_media_on_loopback_only(through_jingle: bool) -> None:
    result = await run_call(through_jingle)
    check_media(result)
    addresses = result["addresses"] + result["remote"] + result["sdp_addresses"]
    assert addresses, "no candidates were gathered"
    assert set(addresses) == {LOOPBACK}
    label = "jingle" if through_jingle else "sdp"
    print(f"\noffer → first video frame ({label}): {result['first_frame_s'] * 1000:.0f} ms")
    assert result["first_frame_s"] < 5


async def test_host_list_is_scoped_to_our_peer_connections() -> None:
    """Outside the factory's setLocalDescription aioice keeps its own list (which skips 127.0.0.1)."""
    pc = create_peer_connection([LOOPBACK])
    try:
        assert LOOPBACK not in aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True)
        pc.addTrack(PatternTrack())
        await pc.setLocalDescription(await pc.createOffer())
        assert set(sdp_candidate_addresses(pc.localDescription.sdp)) == {LOOPBACK}
        assert LOOPBACK not in aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True)
        gatherer = pc.getTransceivers()[0].sender.transport.transport.iceGatherer
        assert gatherer._connection.stun_server is None and gatherer._connection.turn_server is None
        assert all(c.type == "host" for c in gatherer.getLocalCandidates())
    finally:
        await pc.close()


def test_policy_validates_hosts_and_filters_remote_candidates() -> None:
    with pytest.raises(ValueError, match="IP address"):
        IcePolicy(hosts=("not-an-ip",))
    loop_only = IcePolicy(hosts=("127.0.0.1",), allow_mdns=True)
    assert loop_only.loopback_only
    assert loop_only.allows_remote("127.0.0.1") and loop_only.allows_remote("127.0.0.5")
    assert not loop_only.allows_remote("192.168.1.10")
    assert not loop_only.allows_remote("abcd.local")  # even with mDNS allowed: loopback-only wins
    lan = IcePolicy(hosts=("192.0.2.7",))
    assert lan.allows_remote("198.51.100.1") and not lan.allows_remote("0.0.0.0")
    assert not lan.allows_remote("abcd.local")
    assert IcePolicy(hosts=("192.0.2.7",), allow_mdns=True).allows_remote("abcd.local")
    assert ipaddress.ip_address(LOOPBACK).is_loopback
    assert parse_hosts(" 127.0.0.1, ::1 10.0.0.2") == ("127.0.0.1", "::1", "10.0.0.2")
    assert parse_hosts("") == ()
    with pytest.raises(ValueError, match=r"'example\.org'"):
        parse_hosts("127.0.0.1,example.org")


class RecordingProtocol:
    """Stands in for aioice's socket protocol: records what would be sent, sends nothing."""

    def __init__(self, local_candidate: Any) -> None:
        self.local_candidate = local_candidate
        self.sent: list[tuple[Any, tuple[str, int]]] = []

    def send_stun(self, message: Any, addr: tuple[str, int]) -> None:
        self.sent.append((message, addr))


def ice_connections(pc: RoomPeerConnection) -> list[aioice.Connection]:
    return [t.receiver.transport.transport.iceGatherer._connection for t in pc.getTransceivers()]


def incoming_check(connection: aioice.Connection) -> aioice.stun.Message:
    """A valid connectivity check for `connection`, as the peer's ICE agent would send it."""
    request = aioice.stun.Message(aioice.stun.Method.BINDING, aioice.stun.Class.REQUEST)
    request.attributes["USERNAME"] = f"{connection.local_username}:{connection.remote_username or 'peer'}"
    request.attributes["PRIORITY"] = 1853824767
    request.attributes["ICE-CONTROLLED"] = 1
    request.add_message_integrity(connection.local_password.encode("utf8"))
    request.add_fingerprint()
    return aioice.stun.parse_message(bytes(request))


async def test_checks_from_addresses_the_policy_refuses_are_not_answered_or_learnt() -> None:
    """With loopback-only hosts, a check from 192.0.2.2 must not become a peer-reflexive candidate.

    The check is handed to the room's aioice connection directly (nothing leaves the machine);
    the same check from 127.0.0.2 is answered, so the message itself is valid.
    """
    pc = create_peer_connection(policy=IcePolicy(hosts=(LOOPBACK,)))
    try:
        pc.addTrack(PatternTrack())
        await pc.setLocalDescription(await pc.createOffer())
        (connection,) = ice_connections(pc)
        protocol = RecordingProtocol(connection.local_candidates[0])
        connection.request_received(incoming_check(connection), ("192.0.2.2", 40000), protocol)
        assert protocol.sent == []
        assert list(connection._early_checks) == [] and connection._remote_candidates == []
        connection.request_received(incoming_check(connection), ("127.0.0.2", 40000), protocol)
        assert [addr for _, addr in protocol.sent] == [("127.0.0.2", 40000)]
        assert len(connection._early_checks) == 1
    finally:
        await pc.close()


async def test_a_learnt_address_outside_the_policy_never_carries_media() -> None:
    """The same check after connect() started (aioice would pair it at once): still refused."""
    policy = IcePolicy(hosts=(LOOPBACK,))
    caller, callee = create_peer_connection(policy=policy), create_peer_connection(policy=policy)
    try:
        caller.addTrack(PatternTrack())
        await caller.setLocalDescription(await caller.createOffer())
        await callee.setRemoteDescription(caller.localDescription)
        await callee.setLocalDescription(await callee.createAnswer())
        await caller.setRemoteDescription(callee.localDescription)
        async with asyncio.timeout(10):
            while caller.connectionState != "connected":
                await asyncio.sleep(0.05)
        (connection,) = ice_connections(caller)
        protocol = RecordingProtocol(connection.local_candidates[0])
        connection.request_received(incoming_check(connection), ("192.0.2.2", 40000), protocol)
        assert protocol.sent == []
        learnt = [c for c in connection._remote_candidates if c.type == "prflx"]
        assert [c.host for c in learnt if c.host == "192.0.2.2"] == []
        assert all(pair.remote_addr[0] == LOOPBACK for pair in connection._check_list)
    finally:
        await caller.close()
        await callee.close()
