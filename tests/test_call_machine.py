"""The call state machine on its own: inputs → effects with a fake room and a fake clock.

Every path of docs/calls.md that tests/test_calls_ringing.py and test_calls_multi.py drive with
real rooms, expressed here without sockets, tasks or sleeps (the file runs in well under 3 s).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from meetroom.calls.causes import Cause, Record, Side
from meetroom.calls.errors import CallError
from meetroom.calls.machine import CallMachine, LegKey, Phase, TimerKey
from meetroom.calls.machine import effects as fx
from meetroom.calls.machine import inputs as ev
from meetroom.core.appstate import AppState
from meetroom.core.errors import DomainError
from meetroom.net.jingle.jmi import JmiAction, conf_id_for
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


# --- outgoing: placing, ringing, refusals ----------------------------------------------------------
def calling(rig: Rig, peer: str = PEER) -> list[fx.Effect]:
    return rig(ev.PlaceCall(peer, SID))


def test_place_call_proposes_announces_and_starts_both_ring_timers():
    rig = Rig()
    assert calling(rig) == [
        fx.SendJmi(PEER, "propose", SID),
        fx.Publish("inviteSent", {"confId": CONF, "peerId": PEER, "peerDn": "Peer Room", "confType": 0}),
        fx.SetAppState(AppState.WAIT),
        fx.StartTimer(timer("ring"), 40.0),
        fx.StartTimer(timer("nobody-rings"), 5.0),
    ]
    assert rig.phase is Phase.RINGING


def test_an_instance_id_is_proposed_to_that_instance_only():
    rig = Rig()
    out = calling(rig, PEER2_FULL)
    assert out[0] == fx.SendJmi(PEER2_FULL, "propose", SID)
    assert published(out)[0] == (
        "inviteSent",
        {"confId": CONF, "peerId": PEER2_FULL, "peerDn": "Peer Room", "confType": 0},
    )
    # the proceed of another instance is not ours to take
    assert rig(jmi("proceed", PEER_FULL)) == [fx.SendJmi(PEER_FULL, "retract", SID, condition="cancel")]
    assert rig.phase is Phase.RINGING


@pytest.mark.parametrize(
    ("room", "peer", "error"),
    [
        ({"logged_in": False}, PEER, "not logged in: send login first"),
        ({"app_state": AppState.CONFERENCE}, PEER, "a call is already in progress"),
        ({}, "a b@localhost", ""),
        ({}, OWN_BARE, "a room cannot call itself"),
        ({}, OWN, "a room cannot call itself"),
    ],
)
def test_refused_calls_change_nothing(room, peer, error):
    rig = Rig(**room)
    with pytest.raises(CallError) as refused:
        rig(ev.PlaceCall(peer, SID))
    assert isinstance(refused.value, DomainError) and str(refused.value)
    assert error in str(refused.value)
    assert rig.machine.session is None


def test_a_second_call_and_a_bad_ice_setting_are_refused():
    rig = Rig()
    with pytest.raises(CallError, match="iceHostAddresses: bad host 'x'"):
        rig(ev.PlaceCall(PEER, SID, ice_error="bad host 'x'"))
    calling(rig)
    with pytest.raises(CallError, match="already in progress"):
        rig(ev.PlaceCall("other@localhost", "other-sid"))
    assert rig.machine.session.sid == SID


def test_nobody_rings_within_5_s_means_unavailable():
    rig = Rig()
    calling(rig)
    out = rig(ev.TimerFired(timer("nobody-rings")), at=T0 + 5)
    assert out == [
        fx.SendJmi(PEER, "retract", SID, Cause.UNAVAILABLE, condition="gone"),
        fx.Publish("rejectReceived", {"peerId": PEER, "peerDn": "Peer Room", "cause": 3}),
        fx.CancelTimer(timer("ring")),
        fx.WriteHistory(Record.OUTGOING, PEER, "Peer Room", T0),
        fx.SetAppState(AppState.NORMAL),
        fx.CloseMedia(LEG),
    ]
    assert rig.machine.session is None
    # the ring timer, cancelled, may still fire late: nothing happens
    assert rig(ev.TimerFired(timer("ring"))) == []


def test_a_contact_known_offline_is_refused_at_once():
    rig = Rig(offline={PEER})
    assert calling(rig)[-1] == fx.StartTimer(timer("nobody-rings"), 0.0)


def test_a_ringing_resource_keeps_the_call_until_the_ring_timeout():
    rig = Rig()
    calling(rig)
    assert rig(jmi("ringing")) == []
    assert rig(ev.TimerFired(timer("nobody-rings"))) == []
    assert rig.phase is Phase.RINGING
    out = rig(ev.TimerFired(timer("ring")), at=T0 + 40)
    assert out == [
        fx.SendJmi(PEER, "retract", SID, Cause.NO_ANSWER, "timeout", "no answer"),
        fx.Publish("rejectReceived", {"peerId": PEER, "peerDn": "Peer Room", "cause": 16}),
        fx.WriteHistory(Record.OUTGOING, PEER, "Peer Room", T0),
        fx.SetAppState(AppState.NORMAL),
        fx.CloseMedia(LEG),
    ]


@pytest.mark.parametrize(
    ("reason", "cause"),
    [(None, 0), (Reason("decline", Cause.DECLINED), 0), (Reason("busy", Cause.BUSY), 2), (Reason("busy", 14), 14)],
)
def test_the_callee_declines_or_is_busy(reason, cause):
    rig = Rig()
    calling(rig)
    rig(jmi("ringing"))
    out = rig(ev.JmiIn(JmiAction("reject", SID, reason=reason), PEER_FULL, OWN))
    assert published(out) == [("rejectReceived", {"peerId": PEER, "peerDn": "Peer Room", "cause": cause})]
    assert fx.SetAppState(AppState.NORMAL) in out
    assert not [e for e in out if isinstance(e, fx.SendJmi)]  # nobody else rings
    assert rig.machine.session is None


def test_with_two_resources_busy_on_one_waits_and_a_decline_stops_the_other():
    rig = Rig()
    calling(rig)
    rig(jmi("ringing", PEER_FULL))
    rig(jmi("ringing", PEER2_FULL))
    assert rig(jmi("reject", PEER_FULL, reason=Reason("busy", Cause.BUSY))) == []
    assert rig.phase is Phase.RINGING
    out = rig(jmi("reject", PEER2_FULL))  # the last one ringing declines: no retract needed
    assert not [e for e in out if isinstance(e, fx.SendJmi)]
    assert published(out) == [("rejectReceived", {"peerId": PEER, "peerDn": "Peer Room", "cause": 0})]
    rig2 = Rig()
    calling(rig2)
    rig2(jmi("ringing", PEER_FULL))
    rig2(jmi("ringing", PEER2_FULL))
    out = rig2(jmi("reject", PEER_FULL))  # declined on one device while the other still rings
    assert out[:2] == [
        fx.SendJmi(PEER, "retract", SID, condition="cancel"),
        fx.Publish("rejectReceived", {"peerId": PEER, "peerDn": "Peer Room", "cause": 0}),
    ]


def calling_directly(rig: Rig) -> list[fx.Effect]:
    """The driver found that PEER_FULL speaks Jingle RTP but not JMI."""
    return rig(ev.PlaceCall(PEER, SID, direct=PEER_FULL))


def test_a_client_without_jmi_gets_a_session_initiate_at_once():
    rig = Rig()
    assert calling_directly(rig) == [
        fx.Publish("inviteSent", {"confId": CONF, "peerId": PEER, "peerDn": "Peer Room", "confType": 0}),
        fx.SetAppState(AppState.WAIT),
        fx.StartTimer(timer("ring"), 40.0),
        fx.MakeOffer(LEG, PEER_FULL),
    ]
    assert rig.phase is Phase.RINGING
    assert rig(ev.LocalDescription(LEG, "offer")) == [fx.SendDescription(PEER_FULL, LEG, "offer")]
    assert rig(ev.JingleDelivered(LEG, True)) == []  # acknowledged: it rings there until answered
    ringing = jingle("session-info", infos=(("ringing", ""),), has_children=True)
    assert rig(ringing) == [fx.Ack("iq-session-info")]
    assert rig.machine.session.leg.rang == {PEER_FULL}
    out = rig(jingle("session-accept", payload="answer"))
    assert out == [
        fx.Ack("iq-session-accept"),
        fx.CancelTimer(timer("ring")),
        fx.StartTimer(timer("connect"), 10.0),
        fx.ApplyAnswer(LEG, "answer", False),
    ]
    assert rig.phase is Phase.NEGOTIATING
    out = rig(ev.MediaConnected(LEG), at=T0 + 5)
    assert ("conferenceCreated", conference_created(OWN, PEER_FULL)) in published(out)
    out = rig(ev.HangUp(), at=T0 + 9)
    assert out[0] == fx.SendTerminate(PEER_FULL, SID, None, "success")
    assert not [e for e in out if isinstance(e, fx.SendJmi)]  # no JMI to a client that has none


@pytest.mark.parametrize(("reason", "cause"), [(Reason("decline", Cause.DECLINED), 0), (Reason("busy", Cause.BUSY), 2)])
def test_a_direct_call_declined_by_session_terminate(reason, cause):
    rig = Rig()
    calling_directly(rig)
    rig(ev.LocalDescription(LEG, "offer"))
    out = rig(jingle("session-terminate", reason=reason))
    assert out[0] == fx.Ack("iq-session-terminate")
    assert ("rejectReceived", {"peerId": PEER_FULL, "peerDn": "Peer Room", "cause": cause}) in published(out)
    assert fx.CloseMedia(LEG) in out and not [e for e in out if isinstance(e, fx.SendTerminate | fx.SendJmi)]
    assert rig.machine.session is None


def test_a_direct_call_is_withdrawn_with_session_terminate():
    rig = Rig()
    calling_directly(rig)
    out = rig(ev.HangUp())
    assert out[0] == fx.SendTerminate(PEER_FULL, SID, None, "cancel")
    assert fx.CloseMedia(LEG) in out
    calling_directly(rig)
    out = rig(ev.TimerFired(timer("ring")))
    assert out[0] == fx.SendTerminate(PEER_FULL, SID, Cause.NO_ANSWER, "timeout")
    assert ("rejectReceived", {"peerId": PEER_FULL, "peerDn": "Peer Room", "cause": Cause.NO_ANSWER}) in published(out)
    calling_directly(rig)
    out = rig(ev.PeerUnavailable(PEER_FULL))
    assert published(out)[0] == ("rejectReceived", {"peerId": PEER_FULL, "peerDn": "Peer Room", "cause": 3})
    calling_directly(rig)
    rig(ev.LocalDescription(LEG, "offer"))
    out = rig(ev.JingleDelivered(LEG, False))  # the client refused the session-initiate
    assert published(out)[0] == ("rejectReceived", {"peerId": PEER_FULL, "peerDn": "Peer Room", "cause": 10})


def test_a_bounced_propose_gives_3_or_5():
    for condition, cause in (("service-unavailable", 3), ("item-not-found", 5)):
        rig = Rig()
        calling(rig)
        out = rig(ev.JmiBounced(SID, PEER, condition))
        assert published(out) == [("rejectReceived", {"peerId": PEER, "peerDn": "Peer Room", "cause": cause})]
        assert rig(ev.JmiBounced(SID, PEER, condition)) == []  # over already


def test_the_caller_hangs_up_while_ringing():
    rig = Rig()
    calling(rig)
    out = rig(ev.HangUp(), at=T0 + 3)
    assert out == [
        fx.SendJmi(PEER, "retract", SID, condition="cancel"),
        fx.Publish("stopCalling", {"peerId": PEER, "side": 0}),
        fx.CancelTimer(timer("nobody-rings")),
        fx.CancelTimer(timer("ring")),
        fx.WriteHistory(Record.OUTGOING, PEER, "Peer Room", T0),
        fx.SetAppState(AppState.NORMAL),
        fx.CloseMedia(LEG),
    ]
    with pytest.raises(CallError, match="no call to hang up"):
        rig(ev.HangUp())


# --- outgoing: answered, connected, ended ----------------------------------------------------------
def connected_outgoing(rig: Rig) -> None:
    calling(rig)
    rig(jmi("ringing"))
    rig(jmi("proceed"))
    rig(ev.LocalDescription(LEG, "offer-element"))
    rig(ev.JingleDelivered(LEG, True))
    rig(jingle("session-accept", payload="answer-element", meetroom=True))
    rig(ev.MediaConnected(LEG), at=T0 + 10)


def test_the_answered_call_negotiates_and_connects():
    rig = Rig()
    calling(rig)
    rig(jmi("ringing"))
    out = rig(jmi("proceed"))
    assert out == [
        fx.CancelTimer(timer("nobody-rings")),
        fx.CancelTimer(timer("ring")),
        fx.MakeOffer(LEG, PEER_FULL),
    ]
    assert rig.phase is Phase.NEGOTIATING
    # a later proceed from another resource lost the race
    assert rig(jmi("proceed", PEER2_FULL)) == [fx.SendJmi(PEER2_FULL, "retract", SID, condition="cancel")]
    assert rig(ev.LocalDescription(LEG, "offer-element")) == [fx.SendDescription(PEER_FULL, LEG, "offer-element")]
    assert rig(ev.JingleDelivered(LEG, True)) == [fx.StartTimer(timer("connect"), 10.0)]
    # session-accept from another resource is not this session's
    stray = rig(jingle("session-accept", PEER2_FULL))
    assert stray == [fx.IqError("iq-session-accept", "item-not-found", "unknown-session")]
    out = rig(jingle("session-accept", payload="answer-element", meetroom=True))
    assert out == [fx.Ack("iq-session-accept"), fx.ApplyAnswer(LEG, "answer-element", True)]
    rig.room.mutes["mic"] = True
    out = rig(ev.MediaConnected(LEG), at=T0 + 10)
    assert out == [
        fx.CancelTimer(timer("connect")),
        fx.SetAppState(AppState.CONFERENCE),
        fx.Publish("conferenceCreated", conference_created(OWN, PEER_FULL)),
        fx.Publish("peerAccepted", {"peerId": PEER_FULL, "peerDn": "Peer Room", "confId": CONF}),
        fx.Publish("newParticipantInConference", new_participant(PEER_FULL)),
        fx.AddSlot(PEER_FULL, "Peer Room"),
        fx.SendMute(PEER_FULL, LEG, "mic", True),  # our mic was muted before the call
    ]
    assert rig.phase is Phase.ACTIVE
    assert rig(ev.MediaConnected(LEG)) == []  # once only


def test_hanging_up_an_active_call_terminates_finishes_and_records_the_duration():
    rig = Rig()
    connected_outgoing(rig)
    out = rig(ev.HangUp(), at=T0 + 70)
    assert out == [
        fx.SendTerminate(PEER_FULL, SID, None, "success"),
        fx.SendJmi(PEER_FULL, "finish", SID, None, condition="success"),
        fx.SetAppState(AppState.CLOSE),
        fx.CloseMedia(LEG),
        fx.RemoveSlot(PEER_FULL),
        fx.Publish("conferenceDeleted", {"confId": CONF}),
        fx.WriteHistory(Record.OUTGOING, PEER, "Peer Room", T0 + 10, 60.0),
        fx.SetAppState(AppState.NORMAL),
    ]
    # late stanzas of the ended session are acknowledged quietly
    assert rig(jingle("session-terminate")) == [fx.Ack("iq-session-terminate")]
    assert rig(jmi("finish")) == []


@pytest.mark.parametrize("how", ["finish", "terminate", "unavailable"])
def test_the_peer_ends_the_active_call(how):
    rig = Rig()
    connected_outgoing(rig)
    event: ev.Input = {
        "finish": jmi("finish"),
        "terminate": jingle("session-terminate", reason=Reason("success", Cause.DECLINED)),
        "unavailable": ev.PeerUnavailable(PEER_FULL.upper()),
    }[how]
    out = rig(event, at=T0 + 20)
    acks = [fx.Ack("iq-session-terminate")] if how == "terminate" else []
    assert out == [
        *acks,
        fx.Publish("participantLeftConference", {"peerId": PEER_FULL}),
        fx.SetAppState(AppState.CLOSE),
        fx.CloseMedia(LEG),
        fx.RemoveSlot(PEER_FULL),
        fx.Publish("conferenceDeleted", {"confId": CONF}),
        fx.WriteHistory(Record.OUTGOING, PEER, "Peer Room", T0 + 10, 10.0),
        fx.SetAppState(AppState.NORMAL),
    ]


def test_lost_media_ends_with_connectivity_error():
    rig = Rig()
    connected_outgoing(rig)
    # the peer's session-terminate may still be on its way: a short grace first
    assert rig(ev.MediaLost(LEG, "no media from the peer for 3 s"), at=T0 + 15) == [
        fx.StartTimer(timer("media-lost"), 1.0)
    ]
    assert rig(ev.MediaLost(LEG, "peer connection closed")) == []  # the grace runs once
    assert rig.phase is Phase.ACTIVE
    out = rig(ev.TimerFired(timer("media-lost")), at=T0 + 16)
    assert out[:3] == [
        fx.SendTerminate(PEER_FULL, SID, Cause.FAILED, "connectivity-error"),
        fx.SendJmi(PEER_FULL, "finish", SID, Cause.FAILED, condition="connectivity-error"),
        fx.Publish("participantLeftConference", {"peerId": PEER_FULL}),
    ]
    assert published(out)[-1] == ("conferenceDeleted", {"confId": CONF})
    assert rig(ev.MediaLost(LEG, "peer connection closed")) == []


@pytest.mark.parametrize("how", ["terminate", "finish"])
def test_a_hang_up_right_after_the_media_closed_is_a_hang_up(how):
    """The peer closes its media a moment before its session-terminate arrives (rule: ~1 s grace)."""
    rig = Rig()
    connected_outgoing(rig)
    rig(ev.MediaLost(LEG, "peer connection closed"), at=T0 + 20)
    terminate = jingle("session-terminate", reason=Reason("success", Cause.DECLINED))
    event = terminate if how == "terminate" else jmi("finish")
    out = rig(event, at=T0 + 20.4)
    assert not [e for e in out if isinstance(e, fx.SendTerminate | fx.SendJmi)]
    assert fx.CancelTimer(timer("media-lost")) in out
    assert ("participantLeftConference", {"peerId": PEER_FULL}) in published(out)
    (history,) = [e for e in out if isinstance(e, fx.WriteHistory)]
    assert (history.kind, history.start, history.duration) == (Record.OUTGOING, T0 + 10, pytest.approx(10.4))
    assert rig.machine.session is None
    assert rig(ev.TimerFired(timer("media-lost")), at=T0 + 21) == []  # cancelled: nothing more


def test_lost_media_while_connecting_gets_the_same_grace():
    rig = Rig()
    calling(rig)
    rig(jmi("proceed"))
    assert rig(ev.MediaLost(LEG, "peer connection failed")) == [fx.StartTimer(timer("media-lost"), 1.0)]
    out = rig(ev.TimerFired(timer("media-lost")))
    assert fx.SendTerminate(PEER_FULL, SID, Cause.FAILED, "connectivity-error") in out


def test_losing_the_server_ends_the_call_without_leaving_the_network_state():
    rig = Rig()
    connected_outgoing(rig)
    rig.room.app_state = AppState.NONE
    out = rig(ev.NetworkLost())
    assert not [e for e in out if isinstance(e, fx.SendTerminate | fx.SendJmi)]
    assert fx.SetAppState(AppState.NORMAL) not in out
    assert [e for e in published(out)] == [
        ("participantLeftConference", {"peerId": PEER_FULL}),
        ("conferenceDeleted", {"confId": CONF}),
    ]
    # while ringing out, the caller hears cause 10
    rig = Rig()
    calling(rig)
    rig.room.app_state = AppState.LOGIN
    out = rig(ev.NetworkLost())
    assert published(out) == [("rejectReceived", {"peerId": PEER, "peerDn": "Peer Room", "cause": 10})]
    assert fx.SetAppState(AppState.NORMAL) not in out and rig.machine.session is None


def test_an_offer_that_cannot_be_made_or_delivered_ends_the_call():
    rig = Rig()
    calling(rig)
    rig(jmi("proceed"))
    out = rig(ev.MediaRefused(LEG, "offer"))
    assert out[0] == fx.SendTerminate(PEER_FULL, SID, Cause.NO_RESOURCES, "media-error")
    assert published(out) == [("stopCalling", {"peerId": PEER_FULL, "side": 0})]
    assert rig(ev.LocalDescription(LEG, "late offer")) == []  # the call is over: nothing is sent

    rig = Rig()
    calling(rig)
    rig(jmi("proceed"))
    rig(ev.LocalDescription(LEG, "offer-element"))
    out = rig(ev.JingleDelivered(LEG, False))
    assert not [e for e in out if isinstance(e, fx.SendTerminate)]  # the peer does not listen
    assert published(out) == [("rejectReceived", {"peerId": PEER_FULL, "peerDn": "Peer Room", "cause": 10})]


def test_an_answer_that_cannot_be_used_and_a_connection_that_never_comes():
    rig = Rig()
    calling(rig)
    rig(jmi("proceed"))
    rig(ev.LocalDescription(LEG, "offer"))
    rig(ev.JingleDelivered(LEG, True))
    rig(jingle("session-accept", payload="bad answer"))
    out = rig(ev.MediaRefused(LEG, "apply"))
    assert out[:2] == [
        fx.CancelTimer(timer("connect")),
        fx.SendTerminate(PEER_FULL, SID, Cause.INCOMPATIBLE, "incompatible-parameters"),
    ]

    rig = Rig()
    calling(rig)
    rig(jmi("proceed"))
    rig(ev.LocalDescription(LEG, "offer"))
    rig(ev.JingleDelivered(LEG, True))
    out = rig(ev.TimerFired(timer("connect")), at=T0 + 10)
    assert out[:2] == [
        fx.SendTerminate(PEER_FULL, SID, Cause.FAILED, "failed-transport"),
        fx.SendJmi(PEER_FULL, "finish", SID, Cause.FAILED, condition="failed-transport"),
    ]
    assert published(out) == [("stopCalling", {"peerId": PEER_FULL, "side": 0})]


# --- incoming --------------------------------------------------------------------------------------
def ringing_incoming(rig: Rig) -> list[fx.Effect]:
    return rig(jmi("propose"))


def test_a_propose_rings_and_announces_the_caller():
    rig = Rig()
    assert ringing_incoming(rig) == [
        fx.SendJmi(PEER_FULL, "ringing", SID),
        fx.Publish(
            "inviteReceived", {"confId": CONF, "peerId": PEER, "peerDn": "Peer Room", "type": 0, "confTitle": ""}
        ),
        fx.SetAppState(AppState.WAIT),
        fx.StartTimer(timer("callee-ring"), 42.0),
    ]
    assert ringing_incoming(rig) == []  # the same propose again (carbon and direct copy)


@pytest.mark.parametrize(
    "event",
    [
        jmi("propose", delayed=True),  # a MAM replay
        jmi("propose", OWN),  # our own copy
        jmi("propose", to=OTHER_OWN),  # a carbon of something addressed to another instance
    ],
)
def test_proposes_that_do_not_ring(event):
    rig = Rig()
    assert rig(event) == []
    assert rig.machine.session is None


def test_accept_then_the_offer_then_connected():
    rig = Rig()
    ringing_incoming(rig)
    out = rig(ev.Accept())
    assert out == [
        fx.CancelTimer(timer("callee-ring")),
        fx.SendJmi(PEER_FULL, "proceed", SID),
        fx.SendJmi(OWN_BARE, "accept", SID),
        fx.StartTimer(timer("initiate"), 10.0),
    ]
    with pytest.raises(CallError, match="no incoming call to accept"):
        rig(ev.Accept())
    # a session-initiate from anyone but the proposer is out of order
    wrong = rig(jingle("session-initiate", PEER2_FULL, payload="offer"))
    assert wrong == [fx.IqError("iq-session-initiate", "unexpected-request", "out-of-order", etype="wait")]
    out = rig(jingle("session-initiate", payload="offer", meetroom=True))
    assert out == [
        fx.Ack("iq-session-initiate"),
        fx.CancelTimer(timer("initiate")),
        fx.MakeAnswer(LEG, PEER_FULL, "offer", True),
    ]
    assert rig(jingle("session-initiate", payload="again")) == [
        fx.IqError("iq-session-initiate", "unexpected-request", "out-of-order", etype="wait")
    ]
    assert rig(ev.LocalDescription(LEG, "answer")) == [
        fx.StartTimer(timer("connect"), 10.0),
        fx.SendDescription(PEER_FULL, LEG, "answer"),
    ]
    assert rig(ev.JingleDelivered(LEG, True)) == []
    out = rig(ev.MediaConnected(LEG), at=T0 + 2)
    assert published(out) == [
        ("conferenceCreated", conference_created(PEER_FULL, PEER_FULL)),
        ("peerAccepted", {"peerId": PEER_FULL, "peerDn": "Peer Room", "confId": CONF}),
        ("newParticipantInConference", new_participant(PEER_FULL)),
    ]
    # the caller hangs up
    out = rig(jingle("session-terminate", reason=Reason("success", Cause.DECLINED)), at=T0 + 12)
    assert fx.WriteHistory(Record.INCOMING, PEER, "Peer Room", T0 + 2, 10.0) in out


def test_an_offer_before_accept_is_answered_on_accept():
    rig = Rig()
    ringing_incoming(rig)
    assert rig(jingle("session-initiate", payload="offer")) == [fx.Ack("iq-session-initiate")]
    out = rig(ev.Accept())
    assert out[-1] == fx.MakeAnswer(LEG, PEER_FULL, "offer", False)
    out = rig(ev.MediaRefused(LEG, "answer"))
    assert out[0] == fx.SendTerminate(PEER_FULL, SID, Cause.INCOMPATIBLE, "incompatible-parameters")


def test_no_offer_after_our_proceed_ends_the_call():
    rig = Rig()
    ringing_incoming(rig)
    rig(ev.Accept(), at=T0 + 1)
    out = rig(ev.TimerFired(timer("initiate")), at=T0 + 11)
    assert out == [
        fx.SendTerminate(PEER_FULL, SID, Cause.FAILED, "timeout"),
        fx.SendJmi(PEER_FULL, "finish", SID, Cause.FAILED, condition="timeout"),
        fx.CloseMedia(LEG),
        fx.Publish("stopCalling", {"peerId": PEER_FULL, "side": 0}),
        fx.WriteHistory(Record.INCOMING, PEER, "Peer Room", T0, 0.0),
        fx.SetAppState(AppState.NORMAL),
    ]


def test_reject_declines_to_the_caller_and_to_our_other_instances():
    rig = Rig()
    ringing_incoming(rig)
    out = rig(ev.Reject(), at=T0 + 4)
    assert out == [
        fx.SendJmi(PEER_FULL, "reject", SID, Cause.DECLINED, condition="decline"),
        fx.SendJmi(OWN_BARE, "reject", SID, Cause.DECLINED, condition="decline"),
        fx.Publish("rejectSent", {"confId": CONF, "peerId": PEER, "peerDn": "Peer Room", "cause": 0}),
        fx.CancelTimer(timer("callee-ring")),
        fx.WriteHistory(Record.MISSED, PEER, "Peer Room", T0),
        fx.SetAppState(AppState.NORMAL),
        fx.CloseMedia(LEG),
    ]
    with pytest.raises(CallError, match="no incoming call to reject"):
        rig(ev.Reject())


def test_the_callee_hangs_up_while_ringing():
    rig = Rig()
    ringing_incoming(rig)
    out = rig(ev.HangUp())
    assert published(out) == [
        ("rejectSent", {"confId": CONF, "peerId": PEER, "peerDn": "Peer Room", "cause": 0}),
        ("stopCalling", {"peerId": PEER_FULL, "side": 0}),
    ]
    assert fx.WriteHistory(Record.MISSED, PEER, "Peer Room", T0) in out


def test_our_ring_timeout_rejects_with_timeout():
    rig = Rig()
    ringing_incoming(rig)
    out = rig(ev.TimerFired(timer("callee-ring")), at=T0 + 42)
    assert out == [
        fx.SendJmi(PEER_FULL, "reject", SID, Cause.NO_ANSWER, condition="timeout"),
        fx.SendJmi(OWN_BARE, "reject", SID, Cause.NO_ANSWER, condition="timeout"),
        fx.Publish("stopCalling", {"peerId": PEER, "side": 0}),
        fx.WriteHistory(Record.MISSED, PEER, "Peer Room", T0),
        fx.SetAppState(AppState.NORMAL),
        fx.CloseMedia(LEG),
    ]


@pytest.mark.parametrize(
    "event",
    [
        jmi("retract"),  # the caller gives up
        ev.PeerUnavailable(PEER_FULL),  # the caller went offline
        jmi("proceed", OTHER_OWN, to=PEER_FULL, carbon="sent"),  # answered on another instance (carbon)
        jmi("accept", OTHER_OWN, to=OWN_BARE),  # answered on an instance without carbons
        jmi("reject", OTHER_OWN, to=OWN_BARE),  # declined there
    ],
)
def test_ringing_stops_for_the_other_side(event):
    rig = Rig()
    ringing_incoming(rig)
    out = rig(event)
    assert out == [
        fx.Publish("stopCalling", {"peerId": PEER, "side": 1}),
        fx.CancelTimer(timer("callee-ring")),
        fx.WriteHistory(Record.MISSED, PEER, "Peer Room", T0),
        fx.SetAppState(AppState.NORMAL),
        fx.CloseMedia(LEG),
    ]


def test_a_retract_from_someone_else_is_ignored():
    rig = Rig()
    ringing_incoming(rig)
    assert rig(jmi("retract", PEER2_FULL)) == []
    assert rig(ev.PeerUnavailable(PEER2_FULL)) == []
    assert rig.phase is Phase.RINGING


def test_a_retract_after_accept_ends_the_call_as_the_other_side():
    rig = Rig()
    ringing_incoming(rig)
    rig(ev.Accept())
    out = rig(jmi("retract"))
    assert not [e for e in out if isinstance(e, fx.SendTerminate | fx.SendJmi)]
    assert published(out) == [("stopCalling", {"peerId": PEER_FULL, "side": 1})]
    assert fx.WriteHistory(Record.INCOMING, PEER, "Peer Room", T0, 0.0) in out


@pytest.mark.parametrize("busy", ["ringing", "state"])
def test_a_second_caller_hears_busy(busy):
    rig = Rig()
    if busy == "ringing":
        ringing_incoming(rig)
    else:
        rig.room.app_state = AppState.CONFERENCE  # e.g. in a group conference
    other_sid = "00000000-0000-4000-8000-000000000001"
    out = rig(jmi("propose", "third@localhost/t", other_sid), at=T0 + 1)
    assert out == [
        fx.SendJmi("third@localhost/t", "reject", other_sid, Cause.BUSY, condition="busy"),
        fx.Publish(
            "rejectSent",
            {"confId": conf_id_for(other_sid, "localhost"), "peerId": "third@localhost", "peerDn": "third", "cause": 2},
        ),
        fx.WriteHistory(Record.MISSED, "third@localhost", "third", T0 + 1),
    ]


def test_auto_accept_answers_at_once():
    rig = Rig(auto_accept=True)
    out = ringing_incoming(rig)
    assert out[-3:] == [
        fx.SendJmi(PEER_FULL, "proceed", SID),
        fx.SendJmi(OWN_BARE, "accept", SID),
        fx.StartTimer(timer("initiate"), 10.0),
    ]
    assert rig.phase is Phase.NEGOTIATING


# --- simultaneous calls -----------------------------------------------------------------------------
LOW = "00000000-0000-4000-8000-000000000000"
HIGH = "ffffffff-ffff-4fff-bfff-ffffffffffff"


def test_tie_break_the_lower_id_wins():
    rig = Rig()
    rig(ev.PlaceCall(PEER, HIGH))
    out = rig(jmi("propose", sid=LOW))
    low_leg, high_leg = LegKey(LOW, PEER), LegKey(HIGH, PEER)
    assert out[:2] == [fx.CancelTimer(timer("nobody-rings", high_leg)), fx.CancelTimer(timer("ring", high_leg))]
    assert fx.SendJmi(PEER_FULL, "ringing", LOW) in out
    assert out[-3:] == [
        fx.SendJmi(PEER_FULL, "proceed", LOW),
        fx.SendJmi(OWN_BARE, "accept", LOW),
        fx.StartTimer(timer("initiate", low_leg), 10.0),
    ]
    assert not [e for e in out if isinstance(e, fx.WriteHistory)]
    assert rig.machine.session.sid == LOW and HIGH in rig.machine.recent

    rig = Rig()
    rig(ev.PlaceCall(PEER, LOW))
    assert rig(jmi("propose", sid=HIGH)) == [fx.SendJmi(PEER_FULL, "reject", HIGH, condition="expired", tie_break=True)]
    assert rig.machine.session.sid == LOW


# --- Jingle without JMI, and the in-call Jingle ----------------------------------------------------
def test_a_session_initiate_without_propose_rings_and_is_declined_by_terminate():
    rig = Rig()
    out = rig(jingle("session-initiate", payload="offer"))
    assert out[:2] == [fx.Ack("iq-session-initiate"), fx.SendInfo(PEER_FULL, SID, "ringing")]
    assert not [e for e in out if isinstance(e, fx.SendJmi)]
    assert ("inviteReceived", {"confId": CONF, "peerId": PEER, "peerDn": "Peer Room", "type": 0, "confTitle": ""}) in (
        published(out)
    )
    out = rig(ev.Reject())
    assert out[0] == fx.SendTerminate(PEER_FULL, SID, Cause.DECLINED, "decline")
    # accept answers the offer at once, with no JMI at all
    rig = Rig()
    rig(jingle("session-initiate", payload="offer"))
    assert rig(ev.Accept()) == [fx.CancelTimer(timer("callee-ring")), fx.MakeAnswer(LEG, PEER_FULL, "offer", False)]


def test_a_session_initiate_while_busy_is_terminated_with_busy():
    rig = Rig()
    calling(rig, "third@localhost")
    out = rig(jingle("session-initiate", sid="other", payload="offer"))
    assert out == [fx.Ack("iq-session-initiate"), fx.SendTerminate(PEER_FULL, "other", Cause.BUSY, "busy")]


def test_unknown_sessions_and_unsupported_actions():
    rig = Rig()
    assert rig(jingle("transport-info", sid="nope")) == [
        fx.IqError("iq-transport-info", "item-not-found", "unknown-session")
    ]
    connected_outgoing(rig)
    assert rig(jingle("content-add")) == [fx.IqError("iq-content-add", "feature-not-implemented", "unsupported-info")]
    assert rig(jingle("session-accept")) == [
        fx.IqError("iq-session-accept", "feature-not-implemented", "unsupported-info")
    ]
    assert rig(jingle("transport-info", payload="candidates")) == [
        fx.Ack("iq-transport-info"),
        fx.AddCandidates(LEG, "candidates"),
    ]


def test_candidates_trickled_while_ringing_are_kept_for_the_answer():
    """A Jingle-only caller trickles transport-info while the room still rings: keep them all."""
    rig = Rig()
    rig(jingle("session-initiate", payload="offer"))
    assert rig(jingle("transport-info", payload="cand-1")) == [fx.Ack("iq-transport-info")]
    assert rig(jingle("transport-info", payload="cand-2")) == [fx.Ack("iq-transport-info")]
    out = rig(ev.Accept())
    assert out[-3:] == [
        fx.MakeAnswer(LEG, PEER_FULL, "offer", False),
        fx.AddCandidates(LEG, "cand-1"),
        fx.AddCandidates(LEG, "cand-2"),
    ]
    # once the media is open, later ones go straight on
    later = rig(jingle("transport-info", payload="cand-3"))
    assert later == [fx.Ack("iq-transport-info"), fx.AddCandidates(LEG, "cand-3")]


def test_candidates_before_the_offer_wait_for_it():
    """After our proceed the caller may trickle before its session-initiate arrives."""
    rig = Rig()
    ringing_incoming(rig)
    rig(ev.Accept())
    assert rig(jingle("transport-info", payload="early")) == [fx.Ack("iq-transport-info")]
    out = rig(jingle("session-initiate", payload="offer"))
    assert out[-2:] == [fx.MakeAnswer(LEG, PEER_FULL, "offer", False), fx.AddCandidates(LEG, "early")]


def test_candidates_of_a_declined_call_are_dropped_with_it():
    rig = Rig()
    rig(jingle("session-initiate", payload="offer"))
    rig(jingle("transport-info", payload="cand-1"))
    out = rig(ev.Reject())
    assert not [e for e in out if isinstance(e, fx.AddCandidates)]
    assert rig.machine.session is None


def test_session_info_mutes_become_device_status():
    rig = Rig()
    connected_outgoing(rig)
    out = rig(jingle("session-info", infos=(("mute", "0"),), has_children=True))
    assert out == [
        fx.Ack("iq-session-info"),
        fx.Publish("deviceStatusReceived", {"confId": CONF, "peerId": PEER_FULL, "mic": 1, "video": 2}),
    ]
    assert rig(jingle("session-info", infos=(("mute", "0"),), has_children=True)) == [fx.Ack("iq-session-info")]
    out = rig(jingle("session-info", infos=(("unmute", ""),), has_children=True))  # no name: every content
    assert published(out) == [("deviceStatusReceived", {"confId": CONF, "peerId": PEER_FULL, "mic": 2, "video": 2})]
    out = rig(jingle("session-info", infos=(("mute", "1"), ("ringing", "")), has_children=True))
    assert published(out) == [("deviceStatusReceived", {"confId": CONF, "peerId": PEER_FULL, "mic": 2, "video": 1})]
    for payload in ("ringing", "active", "hold", "unhold"):  # understood, nothing for the API
        assert rig(jingle("session-info", infos=((payload, ""),), has_children=True)) == [fx.Ack("iq-session-info")]
    assert rig(jingle("session-info")) == [fx.Ack("iq-session-info")]  # a ping
    assert rig(jingle("session-info", has_children=True)) == [
        fx.IqError("iq-session-info", "feature-not-implemented", "unsupported-info", etype="modify")
    ]


def test_own_mutes_reach_the_peer_only_during_the_call():
    rig = Rig()
    assert rig(ev.OwnMute("mic", True)) == []
    calling(rig)
    assert rig(ev.OwnMute("mic", True)) == []  # ringing: the peer learns it once connected
    rig(ev.HangUp())
    connected_outgoing(rig)
    assert rig(ev.OwnMute("video", True)) == [fx.SendMute(PEER_FULL, LEG, "video", True)]
    assert rig(ev.OwnMute("mic", False)) == [fx.SendMute(PEER_FULL, LEG, "mic", False)]
    assert rig(ev.OwnMute("speaker", True)) == []


def test_shutdown_hangs_up():
    rig = Rig()
    connected_outgoing(rig)
    out = rig(ev.Shutdown())
    assert out[0] == fx.SendTerminate(PEER_FULL, SID, None, "success")
    assert rig.machine.session is None
    assert rig(ev.Shutdown()) == []


def test_recent_sids_are_bounded():
    rig = Rig()
    for n in range(70):
        rig(ev.PlaceCall(PEER, f"sid-{n}"))
        rig(ev.HangUp())
    assert len(rig.machine.recent) == 64 and rig.machine.recent[-1] == "sid-69"
    assert rig(jmi("propose", sid="sid-69")) == []  # a late copy of an ended call does not ring again
    assert Side.REMOTE == 1 and Record.MISSED == 2
