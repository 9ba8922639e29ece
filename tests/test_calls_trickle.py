"""Trickled candidates (Jingle transport-info) reach aiortc even when they come early.

A caller that trickles sends its offer without candidates and its addresses in transport-info
right after; they can arrive before the room has set the offer as its remote description (aiortc
has no transport for them then and drops them). A real CallMedia answers a real aiortc offer here,
in process, with every candidate trickled before the answer is made.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiortc import AudioStreamTrack, VideoStreamTrack

from meetroom.calls import negotiation
from meetroom.calls.media import CallMedia
from meetroom.media.rtc import IcePolicy, RoomPeerConnection, create_peer_connection
from meetroom.net.jingle import sdp_to_jingle, transport_info
from meetroom.net.jingle.ns import ICE_UDP, JINGLE, q

POLICY = IcePolicy(hosts=("127.0.0.1",))
CALLER = "client@localhost/web"
ROOM = "room@localhost/mr"


class FakeFrames:
    def put(self, peer: str, frame: Any) -> None:
        pass


class FakeMedia:
    """What CallMedia reads of the room's media: two tracks, a frame store, no loudspeaker."""

    def __init__(self) -> None:
        self.frames = FakeFrames()
        self.mutes = {"mic": False, "video": False, "speaker": False}

    def microphone_track(self) -> AudioStreamTrack:
        return AudioStreamTrack()

    def camera_track(self) -> VideoStreamTrack:
        return VideoStreamTrack()

    def current(self, kind: str) -> None:
        return None

    def forget_peer_frames(self, peer: str) -> None:
        pass


class FakeSettings:
    def __init__(self) -> None:
        self.values = {"outputBandWidth": 1024, "audioPlayLevel": 100}

    def get(self, name: str) -> Any:
        return self.values[name]


async def trickling_offer(caller: RoomPeerConnection) -> tuple[Any, list[Any], list[tuple[str, int]]]:
    """The caller's offer as Jingle without candidates, and each candidate as its own transport-info."""
    caller.addTrack(AudioStreamTrack())
    caller.addTrack(VideoStreamTrack())
    await caller.setLocalDescription(await caller.createOffer())
    offer = sdp_to_jingle(caller.localDescription.sdp, sid="s1", action="session-initiate", initiator=CALLER)
    infos, addresses = [], []
    for content in offer.findall(q(JINGLE, "content")):
        transport = content.find(q(ICE_UDP, "transport"))
        for element in transport.findall(q(ICE_UDP, "candidate")):
            transport.remove(element)
            line = (
                f"candidate:{element.get('foundation')} 1 udp {element.get('priority')} {element.get('ip')}"
                f" {element.get('port')} typ {element.get('type')}"
            )
            ufrag, pwd = transport.get("ufrag", ""), transport.get("pwd", "")
            infos.append(transport_info("s1", content.get("name", ""), line, ufrag=ufrag, pwd=pwd))
            addresses.append((element.get("ip", ""), int(element.get("port", "0"))))
    return offer, infos, addresses


def remote_addresses(media: CallMedia) -> set[tuple[str, int]]:
    transport = media.pc.getTransceivers()[0].sender.transport.transport
    return {(c.ip, c.port) for c in transport.getRemoteCandidates()}


def added_too_early(caplog: Any) -> list[str]:
    return [r.getMessage() for r in caplog.records if "without remote description" in r.getMessage()]


async def test_candidates_trickled_before_the_offer_is_applied_are_used(caplog: Any) -> None:
    caplog.set_level(logging.WARNING)
    caller = create_peer_connection(policy=POLICY)
    media = CallMedia(FakeMedia(), FakeSettings(), POLICY, lambda why: None)  # type: ignore[arg-type]
    try:
        offer, infos, addresses = await trickling_offer(caller)
        assert addresses, "the caller gathered no candidate"
        for info in infos:  # what the driver does with transport-info that came first
            await negotiation.add_candidates(media, info)
        await negotiation.answer(media, offer, "s1", ROOM, meetroom=False)
        assert remote_addresses(media) == set(addresses)
        assert added_too_early(caplog) == []  # held until the offer was set, not handed to aiortc before
    finally:
        await media.close()
        await caller.close()


async def test_candidates_trickled_during_the_answer_are_used(caplog: Any) -> None:
    """transport-info handled while the answer is being made (the driver runs both as tasks)."""
    caplog.set_level(logging.WARNING)
    caller = create_peer_connection(policy=POLICY)
    media = CallMedia(FakeMedia(), FakeSettings(), POLICY, lambda why: None)  # type: ignore[arg-type]
    try:
        offer, infos, addresses = await trickling_offer(caller)
        answering = asyncio.ensure_future(negotiation.answer(media, offer, "s1", ROOM, meetroom=False))
        await asyncio.sleep(0)
        await asyncio.gather(*(negotiation.add_candidates(media, info) for info in infos))
        await answering
        assert remote_addresses(media) == set(addresses)
        assert added_too_early(caplog) == []  # held until the offer was set, not handed to aiortc before
    finally:
        await media.close()
        await caller.close()
