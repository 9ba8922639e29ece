"""The conference machine in-process (fake room, fake clock): joining by confId or by calling
the owner or a moderator, the waiting room, reactions, a call expanded into a conference.
"""

from __future__ import annotations

import pytest

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.errors import CallError
from meetroom.core.appstate import AppState
from meetroom.net.muc import ConfSignal, Invitation, Occupant
from tests.support.confrig import (
    CONF,
    OWN,
    ROOM,
    SERVICE,
    T0,
    B,
    C,
    Driver,
    created,
    me,
    occupant,
    of,
    published,
)


def test_call_with_a_conference_id_joins_an_open_room_or_asks_the_owner():
    z = "zoe@localhost/z1"
    d = Driver(own_full=z, own_bare="zoe@localhost", own_name="Zoe")
    out = d.feed(ev.JoinById(CONF, ROOM, exists=False))
    assert published(out, "rejectReceived") == [{"peerId": CONF, "peerDn": "", "cause": 19}]
    assert d.machine.conf is None and d.env.app_state == AppState.NORMAL
    # a members-only room of another client: nobody to ask
    out = d.feed(ev.JoinById(CONF, ROOM, exists=True, title="Their room", members_only=True))
    assert published(out, "rejectReceived")[0]["cause"] == 8

    out = d.feed(ev.JoinById(CONF, ROOM, True, "Weekly", False, f"meetroom:role:{OWN}"))
    assert of(out, fx.Join) == [fx.Join(ROOM, "Zoe")] and d.env.app_state == AppState.WAIT
    out = d.feed(Occupant(ROOM, "Zoe", z, "none", "visitor", codes=frozenset({110})))
    (conf,) = published(out, "conferenceCreated")
    assert (conf["confType"], conf["conferenceOwner"], conf["confTitle"]) == (3, OWN, "Weekly")
    d.feed(ev.HangUp())
    d.feed(ev.TimerFired("leave"))

    # members-only: ask the owner, wait, get in when admitted
    out = d.feed(ev.JoinById(CONF, ROOM, True, "Weekly", True, f"meetroom:symmetric:{OWN}"))
    assert of(out, fx.SendSignal) == [fx.SendSignal(OWN, CONF, "join-request")]
    assert published(out, "inviteRequestSent") == [{"peerId": "owner@localhost", "peerDn": "owner@localhost"}]
    assert of(out, fx.Join) == [] and d.machine.busy
    assert d.feed(ConfSignal(C, CONF, "join-accept")) == []  # not from the owner
    out = d.feed(ConfSignal(OWN, CONF, "join-accept"))
    assert of(out, fx.Join) == [fx.Join(ROOM, "Zoe")]
    d.feed(ev.TimerFired("join"))  # the room never let us in
    assert d.machine.conf is None

    d.feed(ev.JoinById(CONF, ROOM, True, "Weekly", True, f"meetroom:symmetric:{OWN}"))
    out = d.feed(ConfSignal(OWN, CONF, "join-reject", {"cause": "0"}))
    assert published(out, "rejectReceived") == [{"peerId": "owner@localhost", "peerDn": "owner@localhost", "cause": 0}]
    d.feed(ev.JoinById(CONF, ROOM, True, "Weekly", True, f"meetroom:symmetric:{OWN}"))
    out = d.feed(ev.HangUp())
    assert of(out, fx.SendSignal) == [fx.SendSignal(OWN, CONF, "join-cancel")]
    assert published(out, "stopCalling") == [{"peerId": "owner@localhost", "side": 0}]
    d.feed(ev.JoinById(CONF, ROOM, True, "Weekly", True, f"meetroom:symmetric:{OWN}"))
    out = d.feed(ev.TimerFired("request"))
    assert published(out, "rejectReceived")[0]["cause"] == 16 and d.env.app_state == AppState.NORMAL


def test_owner_admits_and_refuses_join_requests_and_switches_the_waiting_room():
    z, y = "zoe@localhost/z1", "yan@localhost/y1"
    d = Driver()
    created(d, auto_accept=False)
    out = d.feed(ConfSignal(z, CONF, "join-request"))
    assert published(out, "requestInviteReceived") == [{"confId": CONF, "peerId": z, "peerDn": "zoe@localhost"}]
    assert published(out, "participantPresenceInWaitingRoomChanged") == [
        {"callId": z, "isInWaitingRoom": True, "confId": CONF}
    ]
    d.feed(ConfSignal(y, CONF, "join-request"))
    with pytest.raises(CallError, match="InstanceId"):
        d.feed(ev.AnswerRequest("zoe@localhost", True))
    with pytest.raises(CallError, match="has not asked"):
        d.feed(ev.AnswerRequest(B, True))
    out = d.feed(ev.AnswerRequest(z, True))
    assert out[:2] == [fx.SetAffiliation(ROOM, "zoe@localhost", "member"), fx.SendSignal(z, CONF, "join-accept")]
    out = d.feed(Occupant(ROOM, "Zoe", z, "member", "participant", mesh=True))
    assert published(out, "peerAccepted")[0]["peerId"] == z
    out = d.feed(ev.AnswerRequest(y, False))
    assert of(out, fx.SendSignal) == [fx.SendSignal(y, CONF, "join-reject", {"cause": "0"})]
    assert published(out, "rejectSent") == [{"confId": CONF, "peerId": y, "peerDn": "yan@localhost", "cause": 0}]

    # the waiting room off and on again; those present become members first
    out = d.feed(ev.WaitingRoom(False))
    assert of(out, fx.Configure) == [fx.Configure(ROOM, {"muc#roomconfig_membersonly": False})]
    assert published(out, "waitingRoomStateChanged") == [{"confId": CONF, "isWaitingRoomEnabled": False}]
    with pytest.raises(CallError, match="waiting room is off"):
        d.feed(ev.SendToWaitingRoom(z))
    out = d.feed(ConfSignal(y, CONF, "join-request"))  # an open room lets in at once
    assert of(out, fx.SendSignal) == [fx.SendSignal(y, CONF, "join-accept")]
    out = d.feed(ev.WaitingRoom(True))
    assert of(out, fx.SetAffiliation) == [fx.SetAffiliation(ROOM, "zoe@localhost", "member")]
    assert of(out, fx.Configure) == [fx.Configure(ROOM, {"muc#roomconfig_membersonly": True})]
    out = d.feed(ev.SendToWaitingRoom(z))
    assert out[:2] == [fx.SetAffiliation(ROOM, "zoe@localhost", "none"), fx.SetRole(ROOM, "Zoe", "none")]
    assert d.machine.conference_view(T0)["isWaitingRoomEnabled"] is True
    assert d.machine.last_conf_type == 1

    # a full conference refuses at once
    f = Driver(mesh_size=2)
    created(f)
    f.feed(occupant("Bob", B))
    out = f.feed(ConfSignal(z, CONF, "join-request"))
    assert of(out, fx.SendSignal) == [fx.SendSignal(z, CONF, "join-reject", {"cause": "1"})]


def test_reactions_go_round_the_room_and_pins_stay_here():
    d = Driver()
    created(d)
    d.feed(occupant("Bob", B))
    d.feed(occupant("Carol", C))
    assert d.feed(ev.SetReaction(1)) == [fx.SendRoomSignal(ROOM, CONF, "reaction", {"value": "1"})]
    for bad in (7, -1, True, "1"):
        with pytest.raises(CallError, match="reaction"):
            d.feed(ev.SetReaction(bad))
    out = d.feed(ConfSignal(f"{ROOM}/Owner Room", CONF, "reaction", {"value": "1"}))  # our own, handed round
    assert published(out, "reactionsChanged") == [{"confId": CONF, "reactions": [{"callId": OWN, "reaction": 1}]}]
    out = d.feed(ConfSignal(f"{ROOM}/Bob", CONF, "reaction", {"value": "5"}))
    assert published(out, "reactionsChanged") == [{"confId": CONF, "reactions": [{"callId": B, "reaction": 5}]}]
    assert d.feed(ConfSignal("other@conference.localhost/Bob", CONF, "reaction", {"value": "5"})) == []

    assert published(d.feed(ev.Pin(B, True)), "userPinEventOccurred") == [{"peerId": B, "eventCode": 0, "confId": CONF}]
    assert published(d.feed(ev.Pin(C, True)), "userPinEventOccurred")[0]["eventCode"] == 2  # one at a time
    with pytest.raises(CallError, match="not in the conference"):
        d.feed(ev.Pin("dave@localhost/d1", True))
    view = d.machine.participants_view({}, lambda jid: ({"mic": False, "video": False}, {}))
    entries = {p["peerId"]: p for p in view["participants"]}
    assert entries[B]["pinned"] is True and entries[B]["reaction"] == 5 and entries[C]["pinned"] is False
    assert entries[OWN]["reaction"] == 1
    assert published(d.feed(ev.Pin(B, False)), "userPinEventOccurred")[0]["eventCode"] == 1


def test_expanding_a_call_keeps_appstate_5_and_its_peer_joins_at_once():
    d = Driver()
    with pytest.raises(CallError, match="no connected call"):
        d.feed(ev.Create("abc123", SERVICE, "Grown", "symmetric", True, ("carol",), expands=True))
    d.env.app_state, d.env.call_conf_id, d.env.call_peer = AppState.CONFERENCE, "p2p@localhost#vcs", B
    out = d.feed(ev.Create("abc123", SERVICE, "Grown", "symmetric", True, ("carol",), expands=True))
    assert of(out, fx.SetAppState) == [] and of(out, fx.Join) == [fx.Join(ROOM, "Owner Room")]
    d.feed(me(codes=frozenset({110, 201})))
    out = d.feed(ev.Configured(ROOM, True))
    invites = {i.to: i.fields for i in of(out, fx.SendInvite)}
    assert invites[B]["expands"] == "p2p@localhost#vcs" and "expands" not in invites["carol@localhost"]

    p = Driver(own_full=B, own_bare="bob@localhost", own_name="Bob")
    p.env.app_state, p.env.call_conf_id, p.env.call_peer = AppState.CONFERENCE, "p2p@localhost#vcs", OWN
    out = p.feed(Invitation(OWN, ROOM, "Grown", {"id": CONF, "title": "Grown", "expands": "p2p@localhost#vcs"}))
    assert published(out, "inviteReceived") == [] and of(out, fx.Join) == [fx.Join(ROOM, "Bob")]
    assert of(out, fx.SetAppState) == []
    # an expansion that names another call is an ordinary invitation: busy here
    q = Driver(own_full=B, own_bare="bob@localhost", own_name="Bob")
    q.env.app_state, q.env.call_conf_id, q.env.call_peer = AppState.CONFERENCE, "p2p@localhost#vcs", OWN
    out = q.feed(Invitation(OWN, ROOM, "Grown", {"id": CONF, "expands": "other@localhost#vcs"}))
    assert of(out, fx.SendDecline) == [fx.SendDecline(OWN, CONF, 2)]


def test_a_call_to_the_owner_is_a_request_to_join():
    owner = Driver()
    created(owner, auto_accept=False)
    out = owner.feed(ev.CalledOwner(B))
    about = {"room": ROOM, "title": "Weekly", "type": "symmetric", "members-only": "true"}
    assert of(out, fx.SendSignal) == [fx.SendSignal(B, CONF, "in-conference", about)]
    assert published(out, "requestInviteReceived") == [{"confId": CONF, "peerId": B, "peerDn": "Bob"}]
    assert owner.feed(ev.CalledOwner(B)) == []  # its Jingle offer after the propose: asked already

    caller = Driver(own_full=B, own_bare="bob@localhost", own_name="Bob", app_state=AppState.WAIT)
    assert caller.feed(ConfSignal(OWN, CONF, "in-conference", about)) == []  # not calling that room
    caller.env.calling_peer = "owner@localhost"
    out = caller.feed(ConfSignal(OWN, CONF, "in-conference", about))
    assert of(out, fx.EndCallQuietly) == [fx.EndCallQuietly()]
    assert published(out, "inviteRequestSent") == [{"peerId": "owner@localhost", "peerDn": "owner@localhost"}]
    assert caller.machine.busy and of(out, fx.SetAppState) == []  # appState 4 from the call stays
    out = caller.feed(ConfSignal(OWN, CONF, "join-accept"))
    assert of(out, fx.Join) == [fx.Join(ROOM, "Bob")]


def test_a_call_to_a_moderator_is_a_request_to_join_too():
    mod = Driver(own_full=B, own_bare="bob@localhost", own_name="Bob")
    mod.feed(Invitation(OWN, ROOM, "Weekly", {"id": CONF, "type": "symmetric"}))
    mod.feed(ev.Accept())
    mod.feed(occupant("Owner Room", OWN, aff="owner", role="moderator"))
    mod.feed(Occupant(ROOM, "Bob", B, "member", "participant", codes=frozenset({110})))
    assert mod.feed(ev.CalledOwner(C)) == []  # not a moderator yet: the call is answered busy
    mod.feed(Occupant(ROOM, "Bob", B, "member", "moderator", codes=frozenset({110})))
    # members-only (the invitation came to a members-only room): the caller is sent to the owner
    mod.machine.conf.auto_accept = False
    out = mod.feed(ev.CalledOwner(C))
    about = {"room": ROOM, "title": "Weekly", "type": "symmetric", "members-only": "true", "ask": OWN}
    assert of(out, fx.SendSignal) == [fx.SendSignal(C, CONF, "in-conference", about)]
    assert published(out, "requestInviteReceived") == []  # the owner's waiting room takes it
    # an open room: the owner decides too (only it knows whether the waiting room is on now) ...
    mod.machine.conf.auto_accept = True
    (sent,) = of(mod.feed(ev.CalledOwner("dave@localhost/d1")), fx.SendSignal)
    assert (sent.name, sent.attrs["ask"]) == ("in-conference", OWN)
    # ... unless the owner is a third-party client: then the moderator lets the caller in itself
    mod.machine.conf.participants[OWN].mesh = False
    sent = of(mod.feed(ev.CalledOwner("erin@localhost/e1")), fx.SendSignal)
    assert [s.name for s in sent] == ["in-conference", "join-accept"] and "ask" not in sent[0].attrs
    mod.machine.conf.auto_accept = False
    assert mod.feed(ev.CalledOwner("fred@localhost/f1")) == []  # members-only: nobody here can admit

    # the caller: its call ends quietly, it asks the owner and waits; the owner's answer lets it in
    caller = Driver(own_full=C, own_bare="carol@localhost", own_name="Carol", app_state=AppState.WAIT)
    caller.env.calling_peer = "bob@localhost"
    out = caller.feed(ConfSignal(B, CONF, "in-conference", about))
    assert of(out, fx.EndCallQuietly) == [fx.EndCallQuietly()]
    assert of(out, fx.SendSignal) == [fx.SendSignal(OWN, CONF, "join-request")]
    assert published(out, "inviteRequestSent") == [{"peerId": "bob@localhost", "peerDn": "Bob"}]
    assert caller.feed(ConfSignal(B, CONF, "join-accept")) == []  # only the owner admits
    assert of(caller.feed(ConfSignal(OWN, CONF, "join-accept")), fx.Join) == [fx.Join(ROOM, "Carol")]
