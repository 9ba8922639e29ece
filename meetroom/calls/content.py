"""Content sharing: a second video ("content") from the slideshow or an X screen/window.

`startCapture {captureId}` shares one entry of getHardware's DSCaptureList with every participant
(`dsStarted`), `stopCapture` ends it (`dsStopped`, also when the meeting ends). To each participant
the content goes as a second video in the Jingle session with it (calls/contentwire.py:
content-add / content-accept / content-modify), tapped here before the call machine sees them.
A receiver announces `extraVideoFlowNotify` (extraVideo 1 while a participant shares, 0 after),
shows the content as its own slot `#contentSharing:<InstanceId>` in the video matrix and
/frames/, and `switchVideoFlow {callId, mainCamera:false}` puts it in the participant's main slot
instead of the camera. `sendStopContentSharing` asks the sharers to stop
(`urn:meetroom:content:0` `<stop/>`); a sharer obeys only its meeting's owner and announces
`contentSharingStoppedByConferenceLeader`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from meetroom.calls import contentwire as wire
from meetroom.calls.peerlink import UNSUPPORTED, PeerLink, PeerRefused
from meetroom.calls.peers import MeetingPeer, NotInMeeting, PeerDirectory, PeerSource
from meetroom.core.errors import DomainError
from meetroom.core.events import Events
from meetroom.core.tasks import TaskSet
from meetroom.core.videomatrix import VideoMatrix
from meetroom.media.desktop import SLIDESHOW_ID, Capturable, list_display
from meetroom.net.jingle.ns import Role, q

if TYPE_CHECKING:
    from meetroom.calls.machine.inputs import JingleIn
    from meetroom.calls.media import CallMedia
    from meetroom.calls.signalling import Signalling
    from meetroom.media.manager import Media
    from meetroom.media.slides import SlideService

log = logging.getLogger(__name__)

CONTENT_ACTIONS = ("content-add", "content-accept", "content-modify", "content-reject", "content-remove")
ANSWER_TIMEOUT = 10.0  # seconds a content-add waits for its content-accept
WATCH_PERIOD = 1.0  # seconds between looks at who is in the meeting
CONTENT_PREFIX = "#contentSharing:"

LegMedia = Callable[[MeetingPeer], "tuple[CallMedia, Role] | None"]
IsLeader = Callable[[MeetingPeer], bool]


class ContentError(DomainError):
    """A content-sharing command that cannot be carried out."""


def content_slot(instance_id: str) -> str:
    """The video-matrix slot and /frames/ peerId of a participant's content."""
    return CONTENT_PREFIX + instance_id


def _mid_of(media: CallMedia, track: Any) -> str | None:
    return next((t.mid for t in media.pc.getTransceivers() if t.receiver.track is track), None)


@dataclass
class OutLeg:
    """Our content towards one participant."""

    media: CallMedia
    role: Role
    track: Any = None
    mid: str = ""
    accepted: asyncio.Future | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    sending: bool = False
    refused: bool = False  # the participant did not take content: not offered again in this call


@dataclass
class InLeg:
    """A participant's content towards us."""

    media: CallMedia
    name: str
    creator: str
    active: bool = False
    show_in_main: bool = False  # switchVideoFlow mainCamera:false
    took_camera: bool = False  # we stopped the camera frames going to the main slot


class ContentSharing:
    def __init__(
        self,
        link: PeerLink,
        directory: PeerDirectory,
        signalling: Signalling,
        media: Media,
        slides: Callable[[], SlideService | None],
        video_matrix: VideoMatrix,
        events: Events,
        leg_media: LegMedia,
    ) -> None:
        self.link, self.directory, self.signalling = link, directory, signalling
        self.media, self.slides, self.matrix, self.events = media, slides, video_matrix, events
        self.leg_media_sources: list[LegMedia] = [leg_media]  # a conference adds its mesh legs
        self.leaders: list[IsLeader] = []  # who may stop our sharing (the meeting's owner)
        self.peer_sources: list[PeerSource] = []  # participants beside the directory's (a conference mesh)
        self.sharing: Capturable | None = None
        self.out: dict[str, OutLeg] = {}
        self.inbound: dict[str, InLeg] = {}
        self._producer: Any = None
        self._tasks = TaskSet()
        self._watch: asyncio.Task | None = None
        self._offered: set[str] = set()  # participants our current sharing was sent to
        self._last_entries: list[dict[str, Any]] | None = None
        link.serve(wire.CONTENT_NS, self._on_request, find=self._find)
        directory.on_left(self._peer_left)
        directory.on_joined(self._peer_joined)

    # --- participants: the directory's and the conference mesh's -------------------------
    def _peers(self) -> list[MeetingPeer]:
        found = {p.instance_id.lower(): p for p in self.directory.peers()}
        for source in self.peer_sources:
            for peer in source():
                found.setdefault(peer.instance_id.lower(), peer)
        return list(found.values())

    def _find(self, instance_id: str) -> MeetingPeer | None:
        wanted = instance_id.lower()
        return next((p for p in self._peers() if p.instance_id.lower() == wanted), None)

    def _resolve(self, text: str) -> MeetingPeer:
        """An InstanceId, or a CallId only one participant has (as PeerDirectory.resolve)."""
        found = self._find(text)
        if found is not None:
            return found
        bare = text.strip().lower()
        matches = [p for p in self._peers() if bare in (p.call_id, p.call_id.partition("@")[0])]
        if len(matches) == 1:
            return matches[0]
        return self.directory.resolve(text)  # its refusal says why

    # --- what can be shared --------------------------------------------------------------
    def capture_list(self) -> list[Capturable]:
        return [Capturable(SLIDESHOW_ID, "Slideshow", "slideshow"), *list_display()]

    def entries(self) -> list[dict[str, Any]]:
        """DSCaptureList as the display shows it now (runs xwininfo: call it off the event loop)."""
        self._last_entries = [c.entry() for c in self.capture_list()]
        return self._last_entries

    def known_entries(self) -> list[dict[str, Any]]:
        """DSCaptureList as last listed, for hardwareChanged, which is announced from the loop."""
        return self._last_entries if self._last_entries is not None else self.entries()

    # --- startCapture / stopCapture ------------------------------------------------------
    async def start(self, capture_id: int) -> None:
        peers = self._peers()
        if not peers:
            raise ContentError("the room is not in a call or conference: nothing to share content with")
        target = next((c for c in await asyncio.to_thread(self.capture_list) if c.id == capture_id), None)
        if target is None:
            raise ContentError(f"no screen, window or slideshow with captureId {capture_id} (see DSCaptureList)")
        producer = self._producer_object()
        if target.kind == "slideshow":
            slides = self.slides()
            if slides is None or not slides.slides():
                raise ContentError("the slideshow has no slides to share")
            producer.start_slides(lambda: self._current_slide(slides))
        else:
            try:
                producer.start_window(target)
            except Exception as exc:  # PyAV raises several kinds when the display cannot be read
                raise ContentError(f"cannot capture '{target.name}': {exc}") from None
        previous, self.sharing = self.sharing, target
        if previous is not None and previous.id != target.id:
            self.events.publish("dsStopped", {"captureId": previous.id})
        self.events.publish("dsStarted", {"captureId": target.id, "name": target.name})
        self._offered = {p.instance_id for p in peers}
        for peer in peers:
            self._tasks.spawn(self._send_to(peer))
        self._watching()

    def _producer_object(self) -> Any:
        if self._producer is None:
            from meetroom.media.content import ContentProducer

            self._producer = ContentProducer(self.media.frames)
        return self._producer

    @staticmethod
    async def _current_slide(slides: SlideService) -> Any:
        """The slide the show is at (its first slide while the show is not running)."""
        show = slides.show
        if not show.slides:
            return None
        return await slides.ready(show.slides[min(show.current, len(show.slides) - 1)])

    async def stop(self, *, by_leader: bool = False) -> None:
        if self.sharing is None:
            raise ContentError("no content is being shared")
        self._end_sharing()
        if by_leader:
            self.events.publish("contentSharingStoppedByConferenceLeader", {})

    def _end_sharing(self) -> None:
        shared, self.sharing = self.sharing, None
        if self._producer is not None:
            self._producer.stop()
        for instance_id, leg in list(self.out.items()):
            peer = self._find(instance_id)
            if peer is not None and leg.sending and leg.mid:
                leg.sending = False
                off = wire.content_modify(peer.sid, leg.mid, leg.role, "none")
                self.signalling.send_jingle_nowait(instance_id, off)
        if shared is not None:
            self.events.publish("dsStopped", {"captureId": shared.id})

    # --- sending to one participant ------------------------------------------------------
    def _resolve_media(self, peer: MeetingPeer) -> tuple[CallMedia, Role] | None:
        for source in self.leg_media_sources:
            found = source(peer)
            if found is not None:
                return found
        return None

    async def _send_to(self, peer: MeetingPeer) -> None:
        found = self._resolve_media(peer)
        if found is None:
            log.info("content to %s: no media leg yet", peer.instance_id)
            self._offered.discard(peer.instance_id)  # the watcher tries again
            return
        media, role = found
        leg = self.out.get(peer.instance_id)
        if leg is None or leg.media is not media:
            leg = self.out[peer.instance_id] = OutLeg(media, role)
        async with leg.lock:
            if self.sharing is None or leg.refused:
                return
            if leg.track is None:
                await self._add(peer, leg)
            elif not leg.sending:
                leg.sending = True
                self.signalling.send_jingle_nowait(peer.instance_id, wire.content_modify(peer.sid, leg.mid, role, role))

    async def _add(self, peer: MeetingPeer, leg: OutLeg) -> None:
        from meetroom.media.content import ContentTrack

        pc = leg.media.pc
        for _ in range(5):  # the peer may be negotiating its own content (tie-break): try again
            if pc.signalingState == "stable":
                break
            await asyncio.sleep(0.5)
        leg.track = ContentTrack(self.media.frames)
        transceiver = pc.addTransceiver(leg.track, direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        leg.mid = transceiver.mid or ""
        element = wire.content_action(
            pc.localDescription.sdp, leg.mid, action="content-add", sid=peer.sid, creator=leg.role, author=leg.role
        )
        leg.accepted = asyncio.get_running_loop().create_future()
        accept = None
        if await self.signalling.send_jingle(peer.instance_id, element):
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                accept = await asyncio.wait_for(leg.accepted, ANSWER_TIMEOUT)
        from aiortc import RTCSessionDescription

        if accept is None:
            log.info("%s did not take the content (content-add refused or unanswered)", peer.instance_id)
            leg.refused = True
            leg.track.stop()
            refusal = wire.refusing_answer(pc.remoteDescription.sdp, pc.localDescription.sdp, leg.mid)
            await pc.setRemoteDescription(RTCSessionDescription(refusal, "answer"))
            return
        previous = pc.remoteDescription.sdp
        sdp = wire.merge(
            previous, accept, author=_other(leg.role), candidate_filter=pc.policy.allows_remote, answer=True
        )
        await pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))
        leg.sending = self.sharing is not None
        if not leg.sending:  # the sharing stopped while the peer answered: it heard content-add, so tell it
            off = wire.content_modify(peer.sid, leg.mid, leg.role, "none")
            self.signalling.send_jingle_nowait(peer.instance_id, off)
            return
        log.info("content flows to %s in content %s", peer.instance_id, leg.mid)

    # --- Jingle content-* from participants (CallManager.claims, before the machine) ---------
    def claim(self, event: Any) -> bool:
        action = getattr(event, "action", "")
        if action not in CONTENT_ACTIONS:
            return False
        peer = self._find(event.sender)
        if peer is None or (peer.sid and event.sid != peer.sid):
            return False
        self._tasks.spawn(self._content_action(peer, event))
        self._watching()
        return True

    async def _content_action(self, peer: MeetingPeer, event: JingleIn) -> None:
        jingle, action = event.payload, event.action
        if action == "content-accept":
            leg = self.out.get(peer.instance_id)
            if leg is None or leg.accepted is None or leg.accepted.done():
                self.signalling.error(event.iq, "unexpected-request", "out-of-order")
                return
            self.signalling.ack(event.iq)
            leg.accepted.set_result(jingle)
        elif action in ("content-reject", "content-remove"):
            self.signalling.ack(event.iq)
            leg = self.out.get(peer.instance_id)
            if action == "content-reject" and leg is not None and leg.accepted is not None and not leg.accepted.done():
                leg.accepted.cancel()
            self._inbound_state(peer, False)
        elif action == "content-modify":
            offer = wire.read_content(jingle)
            inbound = self.inbound.get(peer.instance_id)
            if offer is None or inbound is None or offer.name != inbound.name:
                self.signalling.error(event.iq, "item-not-found")
                return
            self.signalling.ack(event.iq)
            self._inbound_state(peer, offer.senders == inbound.creator)
        else:
            await self._accept(peer, event)

    async def _accept(self, peer: MeetingPeer, event: JingleIn) -> None:
        """A participant's content-add: answer it on the same peer connection."""
        from aiortc import RTCSessionDescription

        from meetroom.calls.loss import recovering

        found = self._resolve_media(peer)
        offer = wire.read_content(event.payload)
        if found is None or offer is None or not wire.is_video(event.payload):
            self.signalling.error(event.iq, "feature-not-implemented", "unsupported-content")
            return
        media, role = found
        pc = media.pc
        if pc.signalingState != "stable" or pc.remoteDescription is None:
            self.signalling.error(event.iq, "conflict", "tie-break")
            return
        self.signalling.ack(event.iq)
        sender: Role = "initiator" if offer.creator == "initiator" else "responder"
        allows = pc.policy.allows_remote
        sdp = wire.merge(pc.remoteDescription.sdp, event.payload, author=sender, candidate_filter=allows, answer=False)
        self.inbound[peer.instance_id] = InLeg(media, offer.name, offer.creator)
        media.video_claims.append(lambda track: self._claim_track(peer, media, track))
        with recovering():
            await pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        local = pc.localDescription.sdp
        element = wire.content_action(
            local, offer.name, action="content-accept", sid=peer.sid, creator=sender, author=role, role=""
        )
        await self.signalling.send_jingle(peer.instance_id, element)
        self._inbound_state(peer, offer.senders == offer.creator)

    def _claim_track(self, peer: MeetingPeer, media: CallMedia, track: Any) -> bool:
        inbound = self.inbound.get(peer.instance_id)
        if inbound is None or _mid_of(media, track) != inbound.name:
            return False
        self._tasks.spawn(self._read(peer.instance_id, media, track))
        return True

    async def _read(self, instance_id: str, media: CallMedia, track: Any) -> None:
        from aiortc.mediastreams import MediaStreamError

        frames = self.media.frames
        slot = content_slot(instance_id)
        with contextlib.suppress(MediaStreamError, asyncio.CancelledError):
            while True:
                frame = await track.recv()
                inbound = self.inbound.get(instance_id)
                if inbound is None or not inbound.active:
                    continue
                frames.put(slot, frame)
                if inbound.show_in_main and media.peer_id:
                    frames.put(media.peer_id, frame)

    def _inbound_state(self, peer: MeetingPeer, active: bool) -> None:
        inbound = self.inbound.get(peer.instance_id)
        if inbound is None or inbound.active == active:
            return
        inbound.active = active
        slot = content_slot(peer.instance_id)
        if active:
            self.matrix.add_slot(slot, peer.display_name)
        else:
            self.matrix.remove_slot(slot)
            self.media.frames.remove(slot)
            self._show_in_main(inbound, False)
        self.events.publish(
            "extraVideoFlowNotify", {"confId": peer.conf_id, "peerId": peer.instance_id, "extraVideo": int(active)}
        )
        self.events.publish("videoMatrixChanged", self.matrix.snapshot())

    # --- switchVideoFlow -------------------------------------------------------------------
    def switch_flow(self, participant: str, main_camera: bool) -> None:
        peer = self._resolve(participant)
        inbound = self.inbound.get(peer.instance_id)
        if not main_camera and (inbound is None or not inbound.active):
            raise ContentError(f"'{peer.instance_id}' shares no content")
        if inbound is not None:
            self._show_in_main(inbound, not main_camera)
        extra = 1 if inbound is not None and inbound.active else 0
        self.events.publish(
            "extraVideoFlowNotify", {"confId": peer.conf_id, "peerId": peer.instance_id, "extraVideo": extra}
        )

    @staticmethod
    def _show_in_main(inbound: InLeg, content: bool) -> None:
        media = inbound.media
        if content and not inbound.show_in_main:
            inbound.took_camera = media.receive["video"]
            media.receive["video"] = False  # the camera's frames stop going to the main slot
        elif not content and inbound.show_in_main and inbound.took_camera:
            media.receive["video"] = True
            inbound.took_camera = False
        inbound.show_in_main = content

    # --- sendStopContentSharing ------------------------------------------------------------
    async def stop_others(self, participant: str = "") -> int:
        """Ask the sharing participants (or the one named) to stop; returns how many stopped."""
        if participant:
            targets = [self._resolve(participant)]
        else:
            targets = [p for p in self._peers() if (i := self.inbound.get(p.instance_id)) and i.active]
            if not self._peers():
                raise NotInMeeting("the room is not in a call or conference")
        if not targets:
            raise ContentError("no participant shares content")
        stopped = 0
        for peer in targets:
            condition = await self.link.send(peer.instance_id, ET.Element(q(wire.CONTENT_NS, "stop")), timeout=5.0)
            if condition in UNSUPPORTED:
                raise ContentError(f"'{peer.instance_id}' does not support being stopped")
            if condition:
                raise ContentError(f"'{peer.instance_id}' refused to stop sharing ({condition})")
            stopped += 1
        return stopped

    async def _on_request(self, peer: MeetingPeer, payload: ET.Element) -> None:
        if payload.tag != q(wire.CONTENT_NS, "stop"):
            raise PeerRefused("feature-not-implemented")
        if not any(leader(peer) for leader in self.leaders):
            raise PeerRefused("forbidden", "only the meeting's owner stops content sharing")
        if self.sharing is not None:
            await self.stop(by_leader=True)

    # --- participants coming and going -----------------------------------------------------
    def _peer_joined(self, peer: MeetingPeer) -> None:
        if self.sharing is not None:
            self._tasks.spawn(self._send_to(peer))

    def _peer_left(self, instance_id: str, meeting_over: bool) -> None:
        self._offered.discard(instance_id)
        leg = self.out.pop(instance_id, None)
        if leg is not None and leg.track is not None:
            leg.track.stop()
        inbound = self.inbound.pop(instance_id, None)
        if inbound is not None and inbound.active:
            slot = content_slot(instance_id)
            self.matrix.remove_slot(slot)
            self.media.frames.remove(slot)
            self.events.publish("videoMatrixChanged", self.matrix.snapshot())
        if meeting_over and self.sharing is not None:
            self._end_sharing()

    def _watching(self) -> None:
        if self._watch is None or self._watch.done():
            self._watch = asyncio.ensure_future(self._watch_peers())

    async def _watch_peers(self) -> None:
        """Conference participants come and go without the directory's notices: while content
        flows either way, a joiner gets our content and a leaver's legs are dropped."""
        while self.sharing is not None or self.out or self.inbound:
            await asyncio.sleep(WATCH_PERIOD)
            present = {p.instance_id: p for p in self._peers()}
            for instance_id in {*self.out, *self.inbound} - set(present):
                self._peer_left(instance_id, meeting_over=not present)
            if self.sharing is not None:
                for instance_id, peer in present.items():
                    if instance_id not in self._offered:
                        self._offered.add(instance_id)
                        self._tasks.spawn(self._send_to(peer))

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
        if self._producer is not None:
            self._producer.stop()
        self._tasks.cancel_all()


def _other(role: Role) -> Role:
    return "responder" if role == "initiator" else "initiator"


def call_leg_media(calls: Any) -> LegMedia:
    """The one-to-one call's peer connection and our Jingle role in it."""

    def read(peer: MeetingPeer) -> tuple[CallMedia, Role] | None:
        call = calls.call
        if call is None or call.media is None or call.peer_full.lower() != peer.instance_id.lower():
            return None
        return call.media, "initiator" if call.outgoing else "responder"

    return read


def call_owner(calls: Any) -> IsLeader:
    """In a one-to-one call the caller owns the conference (conferenceOwner on both sides)."""

    def read(peer: MeetingPeer) -> bool:
        call = calls.call
        return call is not None and call.owner.lower() == peer.instance_id.lower()

    return read


def mesh_peers(conferences: Any) -> PeerSource:
    """The conference's mesh legs whose media is up, as meeting participants."""

    def read() -> list[MeetingPeer]:
        conf, legs = conferences.machine.conf, getattr(conferences.topology, "legs", None)
        if conf is None or not legs:
            return []
        out = []
        for leg in legs.values():
            if leg.media is None or not leg.sid or not leg.media.connected.is_set():
                continue
            found = conf.participants.get(leg.peer)
            out.append(MeetingPeer(leg.peer, conf.conf_id, found.dn if found else leg.peer, leg.sid))
        return out

    return read


def mesh_leg_media(conferences: Any) -> LegMedia:
    """A mesh leg's peer connection and our Jingle role in it."""

    def read(peer: MeetingPeer) -> tuple[CallMedia, Role] | None:
        legs = getattr(conferences.topology, "legs", None) or {}
        leg = legs.get(peer.instance_id)
        if leg is None or leg.media is None:
            return None
        return leg.media, "initiator" if leg.initiator else "responder"

    return read


def conference_owner(conferences: Any) -> IsLeader:
    def read(peer: MeetingPeer) -> bool:
        conf = conferences.machine.conf
        return conf is not None and conf.owner.lower() == peer.instance_id.lower()

    return read


def follow_conferences(content: ContentSharing, conferences: Any) -> None:
    """Content sharing in a group conference: every mesh leg gets the content leg."""
    content.peer_sources.append(mesh_peers(conferences))
    content.leg_media_sources.append(mesh_leg_media(conferences))
    content.leaders.append(conference_owner(conferences))
