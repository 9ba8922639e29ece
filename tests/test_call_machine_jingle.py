"""The call machine in-process (fake room, fake clock): Jingle without JMI, trickled candidates,
in-call session-info, shutdown.

The rig is tests/support/callrig.py; see tests/test_call_machine_outgoing.py for what these stand for.
"""

from __future__ import annotations

from meetroom.calls.causes import Cause, Record, Side
from meetroom.calls.machine import effects as fx
from meetroom.calls.machine import inputs as ev
from tests.support.callrig import (
    CONF,
    LEG,
    PEER,
    PEER_FULL,
    SID,
    Rig,
    calling,
    connected_outgoing,
    jingle,
    jmi,
    published,
    ringing_incoming,
    timer,
)


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
