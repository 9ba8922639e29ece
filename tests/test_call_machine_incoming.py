"""The call machine in-process (fake room, fake clock): being called — ringing, accept, reject,
timeouts, busy — and two rooms calling each other at once.

The rig is tests/support/callrig.py; see tests/test_call_machine_outgoing.py for what these stand for.
"""

from __future__ import annotations

import pytest

from meetroom.calls.causes import Cause, Record
from meetroom.calls.errors import CallError
from meetroom.calls.machine import LegKey, Phase
from meetroom.calls.machine import effects as fx
from meetroom.calls.machine import inputs as ev
from meetroom.core.appstate import AppState
from meetroom.net.jingle.jmi import conf_id_for
from meetroom.net.jingle.reasons import Reason
from tests.support.callrig import (
    CONF,
    HIGH,
    LEG,
    LOW,
    OTHER_OWN,
    OWN,
    OWN_BARE,
    PEER,
    PEER2_FULL,
    PEER_FULL,
    SID,
    T0,
    Rig,
    conference_created,
    jingle,
    jmi,
    new_participant,
    published,
    ringing_incoming,
    timer,
)


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
