"""Far-end camera control: asking a participant to steer its camera, granting it, and the steering.

Both ends of one permission, as one service per room:

- the requester (`request`) keeps its pending asks (`outgoing`) and the cameras it was given
  (`controlled`), and sends each PTZ step to the camera's owner;
- the owner keeps the asks waiting for an answer (`incoming`) and the participants it allowed
  (`controllers`), decides by the `cameraRemoteControlAccess` setting (0 grant every ask, 1 ask
  the room's user, 2 refuse every ask), and moves its own camera one PTZ step per remote command
  (the digital PTZ of meetroom.media.ptz, the one the local ptz* commands move).

On the wire it is the `urn:meetroom:camera-control:0` extension of docs/calls.md, sent through
`PeerLink` between the participants' full JIDs. Participants come from the `PeerDirectory`, so a
conference's participants are addressed exactly as the one-to-one call's peer.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from meetroom.calls.peerlink import TIMEOUT, UNSUPPORTED, PeerLink, PeerRefused
from meetroom.calls.peers import MeetingPeer, PeerDirectory
from meetroom.core.errors import DomainError
from meetroom.core.events import Events
from meetroom.core.settings import Settings
from meetroom.core.tasks import TaskSet

if TYPE_CHECKING:
    from meetroom.media.manager import Media

NS = "urn:meetroom:camera-control:0"
REQUEST_TIMEOUT = 30.0  # seconds an ask waits for the owner's answer before it is refused
ACCESS = "cameraRemoteControlAccess"
GRANT_ALL, ASK, REFUSE_ALL = 0, 1, 2

# the remote PTZ commands: one step of one axis of the owner's camera each
MOVES: dict[str, tuple[str, int]] = {
    "up": ("tilt", 1),
    "down": ("tilt", -1),
    "left": ("pan", -1),
    "right": ("pan", 1),
    "zoomInc": ("zoom", 1),
    "zoomDec": ("zoom", -1),
}


class OutgoingReason(IntEnum):
    """outgoingRequestCameraControlRejected.reason"""

    REFUSED = 0
    TIMEOUT = 1
    UNAVAILABLE = 2
    UNSUPPORTED = 3
    ENDED = 4
    LEFT = 5


class IncomingReason(IntEnum):
    """incomingRequestCameraControlRejected.reason"""

    REFUSED = 0
    TIMEOUT = 1
    ENDED = 2
    LEFT = 3


class FarCameraError(DomainError):
    """A camera-control command that cannot be carried out now."""


def _element(name: str, **attrs: str) -> ET.Element:
    return ET.Element(f"{{{NS}}}{name}", attrs)


class FarCamera:
    def __init__(
        self, link: PeerLink, directory: PeerDirectory, settings: Settings, media: Media, events: Events
    ) -> None:
        self.link, self.directory, self.settings, self.media, self.events = link, directory, settings, media, events
        self.outgoing: set[str] = set()  # our asks still unanswered (InstanceIds)
        self.controlled: set[str] = set()  # cameras we may steer
        self.incoming: dict[str, asyncio.TimerHandle | None] = {}  # asks waiting for our answer
        self.controllers: set[str] = set()  # participants who may steer our camera
        self._tasks = TaskSet()
        link.serve(NS, self._received)
        directory.on_left(self._peer_left)
        settings.on_change(self._setting_changed)

    def _publish(self, event: str, **fields: Any) -> None:
        self.events.publish(event, fields)

    # --- the requester's side ---------------------------------------------------------------
    def request(self, participant: str) -> str:
        """requestParticipantCameraControl: ask; the outcome comes as notifications."""
        found = self.directory.resolve(participant)
        refusal = self.directory.camera_refusal(found)
        if refusal:
            raise FarCameraError(refusal)
        peer = found.instance_id
        if peer in self.controlled:
            raise FarCameraError(f"the room already controls the camera of '{peer}'")
        if peer in self.outgoing:
            raise FarCameraError(f"the room is already waiting for '{peer}' to answer")
        self.outgoing.add(peer)
        self._tasks.spawn(self._send_request(peer))
        return peer

    async def _send_request(self, peer: str) -> None:
        condition = await self.link.send(peer, _element("request"))
        if peer not in self.outgoing:
            return  # answered or gone meanwhile
        if not condition:
            self._publish("requestCameraControlSent", callId=peer)
            return
        self.outgoing.discard(peer)
        reason = OutgoingReason.UNAVAILABLE
        if condition in UNSUPPORTED:
            reason = OutgoingReason.UNSUPPORTED
        elif condition == TIMEOUT:
            reason = OutgoingReason.TIMEOUT
        self._publish("outgoingRequestCameraControlRejected", callId=peer, reason=int(reason))

    async def move(self, owner: str, direction: str) -> None:
        """remotelyControlledCameraPtz*: one PTZ step of a camera we were given; refused if the owner refuses."""
        peer = self._controlled(owner)
        condition = await self.link.send(peer, _element("ptz", move=direction), timeout=5.0)
        if condition:
            raise FarCameraError(f"'{peer}' did not move its camera ({condition})")

    def _controlled(self, owner: str) -> str:
        wanted = owner.lower()
        for peer in self.controlled:
            if wanted in (peer.lower(), peer.partition("/")[0].lower()):
                return peer
        raise FarCameraError(f"the room does not control the camera of '{owner}' (requestParticipantCameraControl)")

    # --- the owner's side -------------------------------------------------------------------
    def accept(self, requester: str | None) -> None:
        """acceptRequestCameraControl: grant a waiting ask."""
        self._grant(self._waiting(requester))

    def reject(self, requester: str | None) -> None:
        """rejectRequestCameraControl: refuse a waiting ask, or take back control already given."""
        granted = self._granted(requester) if requester is not None else None
        if granted is not None and not any(p.lower() == granted.lower() for p in self.incoming):
            self.controllers.discard(granted)
            peer = granted
            self._publish("incomingRequestCameraControlRejected", callId=peer, reason=int(IncomingReason.REFUSED))
            self.link.send_nowait(peer, _element("withdraw"))
            return
        self._refuse(self._waiting(requester), IncomingReason.REFUSED)

    def _granted(self, requester: str) -> str | None:
        wanted = requester.lower()
        return next((p for p in self.controllers if wanted in (p.lower(), p.partition("/")[0].lower())), None)

    def close(self) -> None:
        for handle in self.incoming.values():
            if handle is not None:
                handle.cancel()
        self._tasks.cancel_all()

    def _waiting(self, requester: str | None) -> str:
        if requester is None:
            if len(self.incoming) == 1:
                return next(iter(self.incoming))
            raise FarCameraError("give callId: the InstanceId of the participant who asked")
        wanted = requester.lower()
        for peer in self.incoming:
            if wanted in (peer.lower(), peer.partition("/")[0].lower()):
                return peer
        raise FarCameraError(f"'{requester}' has not asked to control the camera")

    def _grant(self, peer: str) -> None:
        handle = self.incoming.pop(peer, None)
        if handle is not None:
            handle.cancel()
        self.controllers.add(peer)
        self._publish("incomingRequestCameraControlAccepted", callId=peer)
        self.link.send_nowait(peer, _element("accept"))

    def _refuse(self, peer: str, reason: IncomingReason, *, tell: bool = True) -> None:
        handle = self.incoming.pop(peer, None)
        if handle is not None:
            handle.cancel()
        self._publish("incomingRequestCameraControlRejected", callId=peer, reason=int(reason))
        if tell:
            wire = OutgoingReason.TIMEOUT if reason is IncomingReason.TIMEOUT else OutgoingReason.REFUSED
            self.link.send_nowait(peer, _element("reject", reason=str(int(wire))))

    async def _asked(self, peer: MeetingPeer) -> None:
        who = peer.instance_id
        if who in self.controllers:
            self.link.send_nowait(who, _element("accept"))  # asked again: the answer stands
            return
        if who in self.incoming:
            return
        if self.media.current("camera") is None:
            self._publish("incomingRequestCameraControlRejected", callId=who, reason=int(IncomingReason.REFUSED))
            self.link.send_nowait(who, _element("reject", reason=str(int(OutgoingReason.UNAVAILABLE))))
            return
        if self.directory.asker_refusal(peer):  # the meeting's rule (a conference: moderators, the podium)
            self.link.send_nowait(who, _element("reject", reason=str(int(OutgoingReason.REFUSED))))
            return
        access = int(self.settings.get(ACCESS))
        if access == REFUSE_ALL:
            self._publish("incomingRequestCameraControlRejected", callId=who, reason=int(IncomingReason.REFUSED))
            self.link.send_nowait(who, _element("reject", reason=str(int(OutgoingReason.REFUSED))))
        elif access == GRANT_ALL:
            self._grant(who)
        else:
            loop = asyncio.get_running_loop()
            self.incoming[who] = loop.call_later(REQUEST_TIMEOUT, self._timed_out, who)
            self._publish("requestCameraControlReceived", callId=who)

    def _timed_out(self, peer: str) -> None:
        if peer in self.incoming:
            self.incoming[peer] = None
            self._refuse(peer, IncomingReason.TIMEOUT)

    async def _steered(self, peer: MeetingPeer, direction: str) -> None:
        if peer.instance_id not in self.controllers:
            raise PeerRefused("forbidden", "camera control was not granted")
        if direction not in MOVES:
            raise PeerRefused("bad-request", f"unknown move '{direction}'")
        if self.media.current("camera") is None:
            raise PeerRefused("item-not-found", "the room has no camera now")
        axis, step = MOVES[direction]
        await self.media.stop_motion()
        if self.media.position.step(axis, step):
            self.media.ptz_changed()

    # --- what comes in --------------------------------------------------------------------------
    async def _received(self, peer: MeetingPeer, payload: ET.Element) -> None:
        kind = payload.tag.rpartition("}")[2]
        who = peer.instance_id
        if kind == "request":
            # decided in a task of its own: the IQ result goes out first, so the requester hears
            # "sent" before any answer
            self._tasks.spawn(self._asked(peer))
        elif kind == "ptz":
            await self._steered(peer, payload.get("move", ""))
        elif kind == "accept":
            if who not in self.outgoing:
                raise PeerRefused("unexpected-request", "no ask of ours is waiting for this answer")
            self.outgoing.discard(who)
            self.controlled.add(who)
            self._publish("outgoingRequestCameraControlAccepted", callId=who)
        elif kind == "reject":
            if who not in self.outgoing:
                raise PeerRefused("unexpected-request", "no ask of ours is waiting for this answer")
            self.outgoing.discard(who)
            try:
                reason = OutgoingReason(int(payload.get("reason", "0")))
            except ValueError:
                reason = OutgoingReason.REFUSED
            self._publish("outgoingRequestCameraControlRejected", callId=who, reason=int(reason))
        elif kind == "withdraw":
            if who in self.controlled:
                self.controlled.discard(who)
                self._publish("remotelyControlledCameraNotAvailableAnymore", callId=who)
        elif kind == "release":
            self.controllers.discard(who)
        else:
            raise PeerRefused("feature-not-implemented", f"unknown camera-control element '{kind}'")

    def _peer_left(self, peer: str, meeting_over: bool) -> None:
        if peer in self.outgoing:
            self.outgoing.discard(peer)
            reason = OutgoingReason.ENDED if meeting_over else OutgoingReason.LEFT
            self._publish("outgoingRequestCameraControlRejected", callId=peer, reason=int(reason))
        if peer in self.controlled:
            self.controlled.discard(peer)
            self._publish("remotelyControlledCameraNotAvailableAnymore", callId=peer)
        if peer in self.incoming:
            self._refuse(peer, IncomingReason.ENDED if meeting_over else IncomingReason.LEFT, tell=False)
        self.controllers.discard(peer)

    def _setting_changed(self, name: str, value: Any) -> None:
        """Refusing every ask also takes back what was given; granting every ask grants those waiting."""
        if name != ACCESS:
            return
        if value == REFUSE_ALL:
            for peer in list(self.incoming):
                self._refuse(peer, IncomingReason.REFUSED)
            for peer in list(self.controllers):
                self.controllers.discard(peer)
                self.link.send_nowait(peer, _element("withdraw"))
        elif value == GRANT_ALL:
            for peer in list(self.incoming):
                self._grant(peer)

    # --- lists ----------------------------------------------------------------------------------
    def remotely_controlled(self) -> list[str]:
        return sorted(self.controlled)

    def incoming_requests(self) -> list[str]:
        return sorted(self.incoming)

    def outgoing_requests(self) -> list[str]:
        return sorted(self.outgoing)
