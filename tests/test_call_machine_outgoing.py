"""The call machine in-process (fake room, fake clock): placing a call — ringing, refusals,
answered, connected, ended.

Every path of docs/calls.md that tests/test_calls_ringing.py and test_calls_multi.py drive with
real rooms, expressed here without sockets, tasks or sleeps.
"""

from __future__ import annotations

import pytest

from meetroom.calls.causes import Cause, Record
from meetroom.calls.errors import CallError
from meetroom.calls.machine import Phase
from meetroom.calls.machine import effects as fx
from meetroom.calls.machine import inputs as ev
from meetroom.core.appstate import AppState
from meetroom.core.errors import DomainError
from meetroom.net.jingle.jmi import JmiAction
from meetroom.net.jingle.reasons import Reason
from tests.support.callrig import (
    CONF,
    LEG,
    OWN,
    OWN_BARE,
    PEER,
    PEER2_FULL,
    PEER_FULL,
    SID,
    T0,
    Rig,
    calling,
    calling_directly,
    conference_created,
    connected_outgoing,
    jingle,
    jmi,
    new_participant,
    published,
    timer,
)


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
