"""A fake room and helpers for driving the call machine in-process (tests/test_call_machine_*.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from meetroom.calls.causes import Cause
from meetroom.calls.machine import CallMachine, LegKey, Phase, TimerKey
from meetroom.calls.machine import effects as fx
from meetroom.calls.machine import inputs as ev
from meetroom.core.appstate import AppState
from meetroom.net.jingle.jmi import JmiAction
from meetroom.net.jingle.reasons import Reason

OWN = "room@localhost/own1"
OWN_BARE = "room@localhost"
OTHER_OWN = "room@localhost/own2"  # another instance of this room's account
PEER = "peer@localhost"
PEER_FULL = "peer@localhost/p1"
PEER2_FULL = "peer@localhost/p2"
SID = "9b2f0c6e-1d7a-4c55-8e21-3f0a6b7d9c10"
CONF = "9b2f0c6e1d7a4c558e213f0a6b7d9c10@localhost#vcs"
LEG = LegKey(SID, PEER)
T0 = 1_000_000.0


@dataclass
class FakeRoom:
    """The machine's Env: plain fields a test sets, as the driver would answer them."""

    own_full: str = OWN
    own_bare: str = OWN_BARE
    domain: str = "localhost"
    logged_in: bool = True
    app_state: AppState = AppState.NORMAL
    ring_timeout: float = 40.0
    auto_accept: bool = False
    offline: set[str] = field(default_factory=set)
    mutes: dict[str, bool] = field(default_factory=lambda: {"mic": False, "video": False, "speaker": False})
    media_mids: dict[str, str] = field(default_factory=lambda: {"audio": "0", "video": "1"})
    media: dict[str, Any] = field(
        default_factory=lambda: {"audioReceiving": True, "videoReceiving": True, "audioLevel": 0.0, "videoFrames": 3}
    )

    def peer_dn(self, bare: str) -> str:
        return "Peer Room" if bare == PEER else bare.split("@")[0]

    def known_offline(self, target: str) -> bool:
        return target in self.offline

    def own_mutes(self) -> dict[str, bool]:
        return self.mutes

    def mids(self, leg: LegKey) -> dict[str, str]:
        return self.media_mids

    def media_view(self, leg: LegKey) -> dict[str, Any]:
        return dict(self.media)


class Rig:
    """A machine and its fake room; appState effects are applied to the room as the driver does."""

    def __init__(self, **room: Any) -> None:
        self.room = FakeRoom(**room)
        self.machine = CallMachine(self.room)
        self.now = T0

    def __call__(self, event: ev.Input, *, at: float | None = None) -> list[fx.Effect]:
        if at is not None:
            self.now = at
        out = self.machine.handle(event, self.now)
        for effect in out:
            if isinstance(effect, fx.SetAppState):
                self.room.app_state = effect.state
        return out

    @property
    def phase(self) -> Phase | None:
        session = self.machine.session
        return session.leg.phase if session is not None else None


def timer(name: str, leg: LegKey = LEG) -> TimerKey:
    return TimerKey(leg, name)


def jmi(kind: str, sender: str = PEER_FULL, sid: str = SID, *, to: str = OWN, reason: Reason | None = None,
        carbon: str = "", delayed: bool = False) -> ev.JmiIn:  # fmt: skip
    if reason is None and kind in ("reject", "retract", "finish"):
        reason = Reason({"reject": "decline", "retract": "cancel", "finish": "success"}[kind], Cause.DECLINED)
    return ev.JmiIn(JmiAction(kind, sid, reason=reason), sender, to, carbon, delayed)


def jingle(action: str, sender: str = PEER_FULL, sid: str = SID, **extra: Any) -> ev.JingleIn:
    return ev.JingleIn(iq=f"iq-{action}", sender=sender, action=action, sid=sid, **extra)


def published(effects: list[fx.Effect]) -> list[tuple[str, dict[str, Any]]]:
    return [(e.event, e.fields) for e in effects if isinstance(e, fx.Publish)]


def conference_created(owner: str, peer_id: str) -> dict[str, Any]:
    return {
        "confId": CONF,
        "confTitle": "",
        "confType": 0,
        "isSmartMeeting": False,
        "conferenceOwner": owner,
        "joinUrl": "",
        "realTimeConferenceManagmentUrl": "",
        "peerId": peer_id,
        "isWaitingRoomSwitchingSupported": False,
        "isWaitingRoomEnabled": False,
        "isInWaitingRoom": False,
        "maxParticipants": 2,
        "pinned": False,
    }


def new_participant(peer_id: str, mic: int = 2, video: int = 2) -> dict[str, Any]:
    return {
        "peerId": peer_id,
        "peerDn": "Peer Room",
        "mic": mic,
        "video": video,
        "slideShow": False,
        "leaderType": 0,
        "role": 0,
        "broadcast": False,
        "pinned": False,
        "recordingMe": False,
        "recordingByMe": False,
        "isInWaitingRoom": False,
        "extraVideo": 0,
        "audioReceiving": True,
        "videoReceiving": True,
        "audioLevel": 0.0,
        "videoFrames": 3,
        "confId": CONF,
    }


def calling(rig: Rig, peer: str = PEER) -> list[fx.Effect]:
    return rig(ev.PlaceCall(peer, SID))


def calling_directly(rig: Rig) -> list[fx.Effect]:
    """The driver found that PEER_FULL speaks Jingle RTP but not JMI."""
    return rig(ev.PlaceCall(PEER, SID, direct=PEER_FULL))


def connected_outgoing(rig: Rig) -> None:
    calling(rig)
    rig(jmi("ringing"))
    rig(jmi("proceed"))
    rig(ev.LocalDescription(LEG, "offer-element"))
    rig(ev.JingleDelivered(LEG, True))
    rig(jingle("session-accept", payload="answer-element", meetroom=True))
    rig(ev.MediaConnected(LEG), at=T0 + 10)


def ringing_incoming(rig: Rig) -> list[fx.Effect]:
    return rig(jmi("propose"))


LOW = "00000000-0000-4000-8000-000000000000"
HIGH = "ffffffff-ffff-4fff-bfff-ffffffffffff"
