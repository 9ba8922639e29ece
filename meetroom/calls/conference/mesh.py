"""The full mesh: one ordinary Jingle RTP session per pair of participants (XEP-0272 style).

Who initiates is decided by the machine (the smaller full JID); this module runs each leg with
the one-to-one building blocks: `CallMedia` for the peer connection, calls/negotiation.py for the
SDP ↔ Jingle steps, and the call Signalling for the IQs. The session-initiate carries
`<conference xmlns='urn:meetroom:conference:0' id='confId'/>`, which is how the receiving room
tells a conference leg from a one-to-one call. The camera and the microphone are encoded once for
all the legs to meetroom participants (`SharedStream`, meetroom/media/sharedmedia.py: each leg's
sender only packetises the shared VP8 and Opus streams; the video's rate is the lowest leg's,
calls/conference/sharedrate.py),
and the room's upload (`outputBandWidth`) is shared evenly between the legs that send, since that
one stream goes out once per leg.

A third-party client in the room (a "direct" leg) knows none of that: we call it with an ordinary
session-initiate (it may ignore the marker), and a session-initiate it sends us without a marker
is the leg too (`on_direct_offer` asks the conference whether the sender takes part). A leg whose
media is lost is started again by its initiator with a new session, after a short backoff and a
bounded number of times (`RETRY_DELAYS`); the other side takes the new session-initiate as the
restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from meetroom.calls import negotiation, views
from meetroom.calls.conference.state import LegSpec
from meetroom.calls.conference.topology import RemoteMutes
from meetroom.calls.machine.inputs import Input, JingleIn
from meetroom.calls.signalling import from_meetroom
from meetroom.core.tasks import TaskSet
from meetroom.net.jingle import jmi, session_terminate
from meetroom.net.jingle.info import session_info
from meetroom.net.muc import NS_CONFERENCE

if TYPE_CHECKING:
    from meetroom.calls.media import CallMedia
    from meetroom.calls.signalling import Signalling
    from meetroom.core.settings import Settings
    from meetroom.media.manager import Media
    from meetroom.media.rtc import IcePolicy
    from meetroom.media.sharedmedia import SharedStream, StreamOutlet

log = logging.getLogger(__name__)

CONFERENCE_TAG = f"{{{NS_CONFERENCE}}}conference"
CLOSE_TIMEOUT = 5.0
RETRY_DELAYS = (1.0, 2.0, 4.0)  # seconds before each new attempt at a lost leg; then it stays down
RESTART_CONNECT_TIMEOUT = 10.0  # a new attempt that has not connected by then counts as lost too
MEDIA_MODULES = ("meetroom.calls.media", "meetroom.calls.conference.sharedrate")  # what a leg needs, loaded ahead


def _load_media_stack() -> None:
    try:
        for name in MEDIA_MODULES:
            importlib.import_module(name)
    except Exception:  # the first leg imports it again and reports what is wrong
        log.exception("loading the media stack ahead failed")


def conference_marker(conf_id: str) -> ET.Element:
    return ET.Element(CONFERENCE_TAG, {"id": conf_id})


def marked_conference(jingle: Any) -> str:
    """The confId a session-initiate names, or "" for a one-to-one call."""
    if jingle is None:
        return ""
    marker = jingle.find(CONFERENCE_TAG)
    return (marker.get("id") or "") if marker is not None else ""


def _apply_sending(leg: Leg) -> None:
    """A listener's leg carries no media from it: its senders drop every frame before encoding.

    aiortc's sender skips encoding while disabled (its own switch for a recvonly direction), so
    no RTP leaves, and the leg's share of the room's shared streams is switched off too (nothing
    is encoded while no leg sends); negotiation sets the sender's switch, hence this runs
    after each negotiation step and on every podium change. Every leg is negotiated sendrecv, so
    going on or off the podium needs no new offer and cannot race with one.
    """
    if leg.media is None:
        return
    for transceiver in leg.media.pc.getTransceivers():
        transceiver.sender._enabled = leg.send or (leg.send_audio and transceiver.kind == "audio")
    for outlet in leg.outlets:  # a shared encoder stops when no leg sends
        outlet.set_enabled(leg.send or (leg.send_audio and outlet.kind == "audio"))


@dataclass
class Leg:
    peer: str
    initiator: bool
    send: bool = True  # False: a listener's leg to a speaker (role-based): nothing is sent on it
    send_audio: bool = False  # audio even while `send` is off (LegSpec.send_audio: a smart meeting's listener)
    sid: str = ""
    media: CallMedia | None = None
    peer_is_meetroom: bool = True
    remote_mutes: dict[str, bool] = field(default_factory=lambda: {"mic": False, "video": False})
    direct: bool = False  # a third-party client (LegSpec.direct)
    receive: bool = True  # the peer sends on it: its silence means the leg is lost
    attempts: int = 0  # restarts since the leg last carried media
    pending: list[Any] = field(default_factory=list)  # transport-info that came before the peer connection
    restarting: bool = False  # a new attempt is scheduled
    outlets: tuple[StreamOutlet, ...] = ()  # its audio and video from the room's shared encoders (none: its own)
    share: int = 0  # the upload share (kbit/s) last given to its media


class MeshTopology:
    def __init__(
        self,
        media: Media,
        settings: Settings,
        signalling: Signalling,
        own_full: Callable[[], str],
        policy: Callable[[], IcePolicy],
    ) -> None:
        self.media, self.settings, self.signalling = media, settings, signalling
        self._own_full, self._policy = own_full, policy
        self.conf_id = ""
        self.legs: dict[str, Leg] = {}  # by peer InstanceId
        self._early: dict[str, JingleIn] = {}  # offers that came before the peer's presence
        self._early_candidates: dict[str, list[Any]] = {}  # by sid: transport-info for an early offer
        self._tasks = TaskSet()
        self.on_remote_mutes: RemoteMutes | None = None
        self.on_direct_offer: Callable[[str], bool] | None = None  # an unmarked offer: is the sender a participant?
        self.restarts = 0  # lost legs started again (for the logs and tests)
        self._warming: asyncio.Future[None] | None = None
        self.shared: tuple[SharedStream, SharedStream] | None = (
            None  # microphone and camera, encoded once for every meetroom leg
        )
        media.on_mute_change(self._own_mute)

    # --- the seam -----------------------------------------------------------------------
    def prepare(self) -> None:
        """Load the media stack (aiortc, PyAV, NumPy: ~0.3 s) in a worker thread while the room joins.

        Otherwise the first leg imports it on the event loop, in the middle of the mesh forming,
        and every other leg of this room waits for it. An idle room still loads none of it.
        """
        if MEDIA_MODULES[-1] in sys.modules or self._warming is not None:
            return
        self._warming = asyncio.get_running_loop().run_in_executor(None, _load_media_stack)

    def connect(self, conf_id: str, legs: Sequence[LegSpec]) -> None:
        self.conf_id = conf_id
        for spec in legs:
            peer, initiator = spec.peer, spec.initiator
            if peer in self.legs:
                continue
            leg = Leg(peer, initiator, spec.send, spec.send_audio, direct=spec.direct, receive=spec.receive)
            leg.peer_is_meetroom = not spec.direct
            self.legs[peer] = leg
            if spec.direct and peer in self._early:  # the client called first: its session is the leg
                leg.initiator = False
                self._answer(leg, self._early.pop(peer))
            elif initiator:
                leg.sid = jmi.new_sid()
                self._tasks.spawn(self._offer(leg))
            elif peer in self._early:
                self._answer(leg, self._early.pop(peer))
        self._share_upload()

    def update(self, legs: Sequence[LegSpec]) -> None:
        for spec in legs:
            leg = self.legs.get(spec.peer)
            if leg is not None:
                leg.send, leg.send_audio, leg.receive = spec.send, spec.send_audio, spec.receive
                _apply_sending(leg)
        self._share_upload()

    def disconnect(self, peers: Sequence[str]) -> None:
        for peer in peers:
            leg = self.legs.pop(peer, None)
            early = self._early.pop(peer, None)
            if early is not None:
                self._early_candidates.pop(early.sid, None)
            if leg is not None:
                self._end(leg, notify=True)
        self._share_upload()

    async def close(self) -> None:
        legs, self.legs = list(self.legs.values()), {}
        self._early.clear()
        self._early_candidates.clear()
        closing = [self._end(leg, notify=True) for leg in legs]
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*(c for c in closing if c is not None)), CLOSE_TIMEOUT)
        self._tasks.cancel_all()
        shared, self.shared = self.shared, None
        for stream in shared or ():
            await stream.close()
        self.conf_id = ""

    def peer_media(self, peer: str) -> tuple[Mapping[str, bool], dict[str, Any]]:
        leg = self.legs.get(peer)
        if leg is None:
            return {"mic": False, "video": False}, views.media_view(None)
        return leg.remote_mutes, views.media_view(leg.media)

    def media_of(self, peer: str) -> CallMedia | None:
        leg = self.legs.get(peer)
        return leg.media if leg is not None else None

    # --- signalling the mesh owns ---------------------------------------------------------
    def claims(self, event: Input) -> bool:
        if not isinstance(event, JingleIn) or not self.conf_id:
            return False
        if event.action == "session-initiate":
            marker = marked_conference(event.payload)
            if not marker:
                return self._direct_offer(event)
            if marker != self.conf_id:
                return False
            leg = self.legs.get(event.sender)
            if leg is not None and leg.initiator:
                self.signalling.error(event.iq, "unexpected-request", "out-of-order", etype="wait")
                return True
            if leg is not None and leg.media is not None and event.sid != leg.sid:
                # the peer started the leg again (it lost the old one): start afresh
                self._end(leg, notify=False)
                leg = self.legs[event.sender] = Leg(leg.peer, False, leg.send, leg.send_audio, receive=leg.receive)
            self.signalling.ack(event.iq)
            if leg is None:
                self._early[event.sender] = event  # its presence is on the way
            else:
                self._answer(leg, event)
            return True
        leg = next((x for x in self.legs.values() if x.sid and x.sid == event.sid), None)
        if leg is None or event.sender != leg.peer:
            return self._early_session(event)
        self._in_session(leg, event)
        return True

    def _direct_offer(self, event: JingleIn) -> bool:
        """An unmarked session-initiate: a third-party participant calling us is its leg, else not ours."""
        leg = self.legs.get(event.sender)
        if leg is not None and not leg.direct:
            return False  # a meetroom participant marks its legs: this is a call, not the mesh
        if leg is None:
            self._early[event.sender] = event  # kept before asking: the answer may connect the leg at once
            if self.on_direct_offer is None or not self.on_direct_offer(event.sender):
                self._early.pop(event.sender, None)
                return False
            self.signalling.ack(event.iq)
            return True
        # the client called while we called it, or called again: its session replaces ours
        self.signalling.ack(event.iq)
        self._end(leg, notify=leg.sid != event.sid)
        fresh = self.legs[event.sender] = Leg(
            leg.peer, False, leg.send, leg.send_audio, direct=True, receive=leg.receive
        )
        fresh.peer_is_meetroom = False
        self._answer(fresh, event)
        return True

    def _early_session(self, event: JingleIn) -> bool:
        """Trickle or hang-up for an offer still waiting for its leg."""
        early = self._early.get(event.sender)
        if early is None or early.sid != event.sid:
            return False
        self.signalling.ack(event.iq)
        if event.action == "transport-info":
            self._early_candidates.setdefault(event.sid, []).append(event.payload)
        elif event.action == "session-terminate":
            self._early.pop(event.sender, None)
            self._early_candidates.pop(event.sid, None)
        return True

    def _in_session(self, leg: Leg, iq: JingleIn) -> None:
        media = leg.media
        if iq.action == "session-accept" and leg.initiator and media is not None:
            self.signalling.ack(iq.iq)
            leg.peer_is_meetroom = iq.meetroom
            self._tasks.spawn(self._apply(leg, media, iq.payload))
        elif iq.action == "transport-info" and media is not None:
            self.signalling.ack(iq.iq)
            self._tasks.spawn(negotiation.add_candidates(media, iq.payload))
        elif iq.action == "transport-info":
            self.signalling.ack(iq.iq)
            leg.pending.append(iq.payload)  # the answer is being made: added once its peer connection exists
        elif iq.action == "session-terminate":
            self.signalling.ack(iq.iq)
            log.info("conference leg with %s ended by the peer", leg.peer)
            self.legs.pop(leg.peer, None)
            self._end(leg, notify=False)
        elif iq.action == "session-info":
            self.signalling.ack(iq.iq)
            self._mutes(leg, iq)
        else:
            self.signalling.error(iq.iq, "feature-not-implemented", "unsupported-info")

    def _mutes(self, leg: Leg, iq: JingleIn) -> None:
        kinds = {mid: kind for kind, mid in (leg.media.mids() if leg.media else {}).items()}
        before = dict(leg.remote_mutes)
        for payload, name in iq.infos:
            if payload in ("mute", "unmute"):
                for kind in [kinds[name]] if name in kinds else ["audio", "video"]:
                    leg.remote_mutes["mic" if kind == "audio" else "video"] = payload == "mute"
        if leg.remote_mutes != before and self.on_remote_mutes is not None:
            self.on_remote_mutes(leg.peer, dict(leg.remote_mutes))

    def _own_mute(self, what: str, muted: bool) -> None:
        """Our mic/camera mutes go to every connected leg as session-info, as in a call."""
        if what not in ("mic", "video"):
            return
        for leg in self.legs.values():
            if leg.media is not None and leg.sid and leg.media.connected.is_set():
                mid = leg.media.mids().get("audio" if what == "mic" else "video", "")
                info = session_info(leg.sid, "mute" if muted else "unmute", name=mid)
                self.signalling.send_jingle_nowait(leg.peer, info)

    # --- one leg --------------------------------------------------------------------------
    def _open(self, leg: Leg) -> CallMedia:
        from meetroom.calls.media import CallMedia

        # a third-party client may choose other codecs than Opus and VP8: its leg encodes for itself
        outlets = () if leg.direct else tuple(stream.outlet() for stream in self._shared())
        media = CallMedia(self.media, self.settings, self._policy(), lambda why: self._lost(leg, why, media), *outlets)
        media.peer_id = leg.peer  # /frames/?peerId=<InstanceId>
        for sender in media.pc.getSenders():
            for outlet in outlets:
                if sender.track is outlet:
                    outlet.bind(sender)
        leg.media, leg.outlets, leg.share = media, outlets, 0
        self._share_upload()
        return media

    def _shared(self) -> tuple[SharedStream, SharedStream]:
        if self.shared is None:
            from meetroom.calls.conference.sharedrate import shared_camera, shared_microphone

            self.shared = (shared_microphone(self.media), shared_camera(self.media, self._sending_governors))
        return self.shared

    def _sending_governors(self) -> list[Any]:
        """The governors of the legs the shared stream goes to: its rate is the lowest of theirs."""
        return [
            leg.media.governor
            for leg in self.legs.values()
            if leg.media is not None and leg.outlets and leg.send and leg.media.connected.is_set()
        ]

    async def _offer(self, leg: Leg) -> None:
        try:
            media = self._open(leg)
            element = await negotiation.offer(media, leg.sid, self._own_full())
        except (*negotiation.REFUSALS, ValueError) as exc:
            log.warning("conference leg with %s: cannot make the offer: %s", leg.peer, exc)
            return
        element.append(conference_marker(self.conf_id))
        _apply_sending(leg)
        if not await self.signalling.send_jingle(leg.peer, element):
            log.warning("conference leg with %s: offer not acknowledged", leg.peer)

    def _answer(self, leg: Leg, offer: JingleIn) -> None:
        leg.sid, leg.peer_is_meetroom = offer.sid, offer.meetroom or from_meetroom(offer.payload)
        leg.pending.extend(self._early_candidates.pop(offer.sid, []))
        self._tasks.spawn(self._make_answer(leg, offer.payload))

    async def _make_answer(self, leg: Leg, offer: Any) -> None:
        try:
            media = self._open(leg)
            element = await negotiation.answer(media, offer, leg.sid, self._own_full(), leg.peer_is_meetroom)
        except (*negotiation.REFUSALS, ValueError) as exc:
            log.warning("conference leg with %s: cannot answer: %s", leg.peer, exc)
            return
        _apply_sending(leg)
        pending, leg.pending = leg.pending, []
        for transport_info in pending:
            self._tasks.spawn(negotiation.add_candidates(media, transport_info))
        if not await self.signalling.send_jingle(leg.peer, element):
            log.warning("conference leg with %s: answer not acknowledged", leg.peer)

    async def _apply(self, leg: Leg, media: CallMedia, answer: Any) -> None:
        try:
            await negotiation.apply_answer(media, answer, leg.peer_is_meetroom)
        except negotiation.REFUSALS as exc:
            log.warning("conference leg with %s: cannot use the answer: %s", leg.peer, exc)
            return
        _apply_sending(leg)

    def _lost(self, leg: Leg, why: str, media: CallMedia | None) -> None:
        """The leg's media failed: its initiator starts it again (the other side waits for that)."""
        if media is not leg.media or leg.restarting:
            return  # an old peer connection, or a second report of the same loss
        silent = why.startswith("no media")
        if self.legs.get(leg.peer) is not leg or (silent and not leg.receive):
            log.info("conference leg with %s: %s (not restarted)", leg.peer, why)
            return
        if not leg.initiator:
            log.info("conference leg with %s lost: %s; waiting for the peer to start it again", leg.peer, why)
            return
        if leg.attempts >= len(RETRY_DELAYS):
            log.warning("conference leg with %s lost: %s; given up after %d attempts", leg.peer, why, leg.attempts)
            return
        delay = RETRY_DELAYS[leg.attempts]
        leg.attempts += 1
        leg.restarting = True
        log.info("conference leg with %s lost: %s; new session in %g s (try %d)", leg.peer, why, delay, leg.attempts)
        self._tasks.spawn(self._restart(leg, delay))

    async def _restart(self, leg: Leg, delay: float) -> None:
        await asyncio.sleep(delay)
        leg.restarting = False
        if self.legs.get(leg.peer) is not leg or not self.conf_id:
            return  # it left, or the conference ended, meanwhile
        old = leg.sid
        self._end(leg, notify=leg.direct)  # a meetroom peer takes the new offer as the restart
        leg.sid, leg.remote_mutes = jmi.new_sid(), {"mic": False, "video": False}
        self.restarts += 1
        log.info("conference leg with %s: restarting (session %s replaces %s)", leg.peer, leg.sid, old)
        await self._offer(leg)
        media = leg.media
        if media is not None:
            self._tasks.spawn(self._settled(leg, media))

    async def _settled(self, leg: Leg, media: CallMedia) -> None:
        """A restarted leg must connect (else it counts as lost again); once media flows, a later loss starts afresh."""
        try:
            await asyncio.wait_for(media.connected.wait(), RESTART_CONNECT_TIMEOUT)
        except TimeoutError:
            self._lost(leg, f"not connected within {RESTART_CONNECT_TIMEOUT:g} s", media)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(media.first_frame.wait(), RESTART_CONNECT_TIMEOUT)
            if leg.media is media:
                leg.attempts = 0
                log.info("conference leg with %s re-established", leg.peer)

    def _end(self, leg: Leg, *, notify: bool) -> asyncio.Task | None:
        if notify and leg.sid:
            self.signalling.send_jingle_nowait(leg.peer, session_terminate(leg.sid, None, condition="success"))
        media, leg.media, leg.outlets = leg.media, None, ()
        return self._tasks.spawn(media.close()) if media is not None else None

    def _share_upload(self) -> None:
        """The room's upload is shared evenly between the legs that send (each carries the whole stream).

        A leg is given a new share only when it changes: a new ceiling may move the encoder's
        target past its hysteresis, and a new target rebuilds the encoder with a key frame.
        """
        total = int(self.settings.get("outputBandWidth"))
        share = max(64, total // max(1, sum(1 for leg in self.legs.values() if leg.send or leg.send_audio)))
        for leg in self.legs.values():
            if leg.media is not None and leg.share != share:
                leg.share = share
                leg.media.set_output_bandwidth(share)
