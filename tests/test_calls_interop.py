"""A plain XMPP client (slixmpp + aiortc, no meetroom call code) calls a room and is called by it.

It speaks only the standards (XEP-0353 JMI, XEP-0166/0167/0176/0320 Jingle), sends no meetroom
marker and no meetroom reason codes, so the room must take the paths other clients need.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from aiortc import AudioStreamTrack, RTCSessionDescription, VideoStreamTrack
from slixmpp.exceptions import IqError

from meetroom.media.rtc import IcePolicy, create_peer_connection
from meetroom.net.jingle import jingle_to_sdp, jmi, sdp_to_jingle, session_terminate
from meetroom.net.jingle.info import session_info
from meetroom.net.jingle.ns import ICE_UDP, JINGLE, q
from meetroom.net.xmpp import XmppSession
from tests.support.calls import start_rooms, wait_state
from tests.support.prosody import new_account, prosody  # noqa: F401

POLICY = IcePolicy(hosts=("127.0.0.1",))


class Quiet:
    """A session listener that ignores roster, presence and chat."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


class PlainClient:
    """A logged-in XMPP account that exchanges JMI and Jingle by hand."""

    def __init__(self, session: XmppSession) -> None:
        self.session = session
        self.jmi: asyncio.Queue[tuple[str, jmi.JmiAction]] = asyncio.Queue()
        self.jingle: asyncio.Queue[tuple[str, ET.Element]] = asyncio.Queue()
        session.add_handler("t-jmi", "{jabber:client}message", self._message)
        session.add_handler("t-jingle", f"{{jabber:client}}iq/{{{JINGLE}}}jingle", self._iq)
        self.pc = create_peer_connection(policy=POLICY)
        self.pc.addTrack(AudioStreamTrack())
        self.pc.addTrack(VideoStreamTrack())
        self.frames: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.readers: list[asyncio.Task] = []
        self.pc.on("track", self._track)

    def _track(self, track: Any) -> None:
        async def read() -> None:
            frame = await track.recv()
            if not self.frames.done():
                self.frames.set_result(frame)

        if track.kind == "video":
            self.readers.append(asyncio.ensure_future(read()))

    def _message(self, msg: Any) -> None:
        action = jmi.read(msg.xml)
        if action is not None and msg["type"] != "error":
            self.jmi.put_nowait((str(msg["from"]), action))

    def _iq(self, iq: Any) -> None:
        if iq["type"] == "set":
            iq.reply().send()
            self.jingle.put_nowait((str(iq["from"]), iq.xml.find(q(JINGLE, "jingle"))))

    def send_jmi(self, to: str, element: ET.Element) -> None:
        msg = self.session.client.make_message(mto=to, mtype="chat")
        msg.xml.append(element)
        msg.xml.append(jmi.store_hint())
        msg.send()

    async def send_jingle(self, to: str, element: ET.Element) -> None:
        iq = self.session.client.make_iq_set(ito=to)
        iq.xml.append(element)
        await iq.send(timeout=10)

    async def next_jmi(self, kind: str) -> tuple[str, jmi.JmiAction]:
        while True:
            sender, action = await asyncio.wait_for(self.jmi.get(), 10)
            if action.kind == kind:
                return sender, action

    async def next_jingle(self, action: str) -> tuple[str, ET.Element]:
        while True:
            sender, element = await asyncio.wait_for(self.jingle.get(), 10)
            if element.get("action") == action:
                return sender, element

    async def answer(self, offer: ET.Element, sid: str) -> ET.Element:
        sdp = jingle_to_sdp(offer, candidate_filter=POLICY.allows_remote)
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return sdp_to_jingle(
            self.pc.localDescription.sdp, sid=sid, action="session-accept", responder=self.session.full_jid
        )


def candidate_ips(jingle: ET.Element) -> set[str]:
    return {c.get("ip", "") for c in jingle.iter(f"{{{ICE_UDP}}}candidate")}


async def plain_client(prosody) -> PlainClient:  # noqa: F811
    name, password = new_account(prosody, "x")
    session = XmppSession(f"{name}@localhost/plain", password, "127.0.0.1", prosody.port, Quiet())
    await session.start()
    session.client.send_presence()
    await session.flush()
    return PlainClient(session)


async def test_plain_client_calls_the_room_and_the_room_calls_it(prosody, room_factory, connect):  # noqa: F811
    (b,) = await start_rooms(prosody, room_factory, connect, 1)
    x = await plain_client(prosody)
    try:
        # x → room: propose, ringing, proceed, session-initiate (no meetroom marker), session-accept
        sid = jmi.new_sid()
        x.send_jmi(b.call_id, jmi.propose(sid))
        room_full, _ = await x.next_jmi("ringing")
        invite = await b.client.wait_event("inviteReceived", timeout=10)
        assert invite["peerId"] == x.session.bare and invite["confId"] == jmi.conf_id_for(sid, "localhost")
        await b.client.call("accept")
        sender, _ = await x.next_jmi("proceed")
        assert sender == room_full
        await x.pc.setLocalDescription(await x.pc.createOffer())
        offer = sdp_to_jingle(
            x.pc.localDescription.sdp, sid=sid, action="session-initiate", initiator=x.session.full_jid
        )
        await x.send_jingle(room_full, offer)
        _, accept = await x.next_jingle("session-accept")
        assert candidate_ips(accept) == {"127.0.0.1"}  # --ice-host: the room offers loopback only
        answer = jingle_to_sdp(accept, candidate_filter=POLICY.allows_remote)
        await x.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        created = await b.client.wait_event("conferenceCreated", timeout=15)
        assert created["confId"] == invite["confId"]
        frame = await asyncio.wait_for(x.frames, 10)  # the room's picture reaches the plain client
        assert frame.width > 0
        # the plain client hangs up with a bare session-terminate (no reason at all)
        terminate = session_terminate(sid)
        terminate.remove(terminate.find(q(JINGLE, "reason")))
        await x.send_jingle(room_full, terminate)
        await b.client.wait_event("participantLeftConference", timeout=5)
        await wait_state(b.client, 3)
        await x.pc.close()

        # room → x: the room proposes, x proceeds and answers the room's offer
        x.pc = create_peer_connection(policy=POLICY)
        x.pc.addTrack(AudioStreamTrack())
        x.pc.addTrack(VideoStreamTrack())
        await b.client.call("call", peerId=x.session.bare)
        sender, propose = await x.next_jmi("propose")
        assert propose.media == ("audio", "video")
        x.send_jmi(sender, jmi.simple("ringing", propose.sid))
        x.send_jmi(sender, jmi.simple("proceed", propose.sid))
        _, offer = await x.next_jingle("session-initiate")
        assert offer.get("sid") == propose.sid
        assert candidate_ips(offer) == {"127.0.0.1"}
        await x.send_jingle(sender, await x.answer(offer, propose.sid))
        await b.client.wait_event("conferenceCreated", timeout=15)
        await wait_state(b.client, 5)
        # the room hangs up: x gets session-terminate and a JMI finish
        await b.client.call("hangUp")
        _, ended = await x.next_jingle("session-terminate")
        assert ended.get("sid") == propose.sid
        await x.next_jmi("finish")
        await wait_state(b.client, 3)
    finally:
        await x.pc.close()
        await x.session.stop()


async def test_simultaneous_proposes_are_settled_by_the_lower_id(prosody, room_factory, connect):  # noqa: F811
    (b,) = await start_rooms(prosody, room_factory, connect, 1)
    x = await plain_client(prosody)
    high, low = "ffffffff-ffff-4fff-bfff-ffffffffffff", "00000000-0000-4000-8000-000000000000"
    try:
        # x's id is higher: the room keeps its own call and rejects x's with <tie-break/>
        await b.client.call("call", peerId=x.session.bare)
        room_full, propose = await x.next_jmi("propose")
        x.send_jmi(b.call_id, jmi.propose(high))
        _, rejected = await x.next_jmi("reject")
        assert rejected.sid == high and rejected.tie_break is True
        assert b.client.pending_events("inviteReceived") == []
        assert (await b.client.call("getConferences"))["direction"] == "outgoing"
        x.send_jmi(room_full, jmi.ending("reject", propose.sid))  # no reason: a plain decline
        assert (await b.client.wait_event("rejectReceived", timeout=5))["cause"] == 0
        await wait_state(b.client, 3)

        # x's id is lower: the room drops its own call and answers x's at once
        await b.client.call("call", peerId=x.session.bare)
        room_full, propose = await x.next_jmi("propose")
        x.send_jmi(b.call_id, jmi.propose(low))
        invite = await b.client.wait_event("inviteReceived", timeout=5)
        assert invite["confId"] == jmi.conf_id_for(low, "localhost")
        sender, proceed = await x.next_jmi("proceed")
        assert proceed.sid == low and sender == room_full
        x.send_jmi(room_full, jmi.ending("retract", low))  # x gives up before its session-initiate
        assert (await b.client.wait_event("stopCalling", timeout=5))["side"] == 1
        await wait_state(b.client, 3)

        # Jingle for a session the room does not know is refused as XEP-0166 says
        with pytest.raises(IqError) as refused:
            await x.send_jingle(room_full, session_info("no-such-session", "mute", name="0"))
        assert refused.value.iq["error"]["condition"] == "item-not-found"
        assert refused.value.iq.xml.find(".//{urn:xmpp:jingle:errors:1}unknown-session") is not None
    finally:
        await x.pc.close()
        await x.session.stop()
