"""The conference machine in-process (fake room, fake clock): creating, inviting, joining,
refusals, moderation, chat and the end.

Every path of docs/conferences.md that tests/test_conference_e2e.py drives with real rooms,
expressed without sockets, tasks or sleeps; the rig is tests/support/confrig.py.
"""

from __future__ import annotations

import pytest

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference.state import LegSpec, group_chat_id
from meetroom.calls.errors import CallError
from meetroom.core.appstate import AppState
from meetroom.core.errors import DomainError
from meetroom.net.muc import ConfSignal, Decline, GroupMessage, Invitation, Occupant
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


def test_create_configures_the_room_then_announces_and_invites():
    d = Driver()
    out = d.feed(ev.Create("abc123", SERVICE, " Weekly ", "role", False, ("bob", "carol@localhost/c1", "bob")))
    assert of(out, fx.Join) == [fx.Join(ROOM, "Owner Room")]
    assert d.env.app_state == AppState.WAIT
    assert of(out, fx.StartTimer) == [fx.StartTimer("join", 10.0)]

    out = d.feed(me(codes=frozenset({110, 201})))
    (configure,) = of(out, fx.Configure)
    assert configure.values["muc#roomconfig_roomname"] == "Weekly"
    assert configure.values["muc#roomconfig_membersonly"] is True  # autoAccept false
    assert configure.values["muc#roomconfig_moderatedroom"] is True
    assert configure.values["muc#roomconfig_whois"] == "anyone"
    assert published(out, "conferenceCreated") == []  # not before the room is configured

    out = d.feed(ev.Configured(ROOM, True))
    assert d.env.app_state == AppState.CONFERENCE
    (conf,) = published(out, "conferenceCreated")
    assert conf["confId"] == CONF and conf["confTitle"] == "Weekly" and conf["confType"] == 3
    assert conf["conferenceOwner"] == OWN and conf["maxParticipants"] == 6
    for name in ("isSmartMeeting", "joinUrl", "realTimeConferenceManagmentUrl", "isWaitingRoomEnabled", "pinned"):
        assert name in conf
    # members-only: membership first, then the direct invitation, one per distinct invitee
    assert of(out, fx.SetAffiliation) == [
        fx.SetAffiliation(ROOM, "bob@localhost", "member"),
        fx.SetAffiliation(ROOM, "carol@localhost", "member"),
    ]
    invites = of(out, fx.SendInvite)
    assert [i.to for i in invites] == ["bob@localhost", C]
    assert invites[0].fields == {"id": CONF, "title": "Weekly", "type": "role", "owner": OWN}
    sent = published(out, "inviteSent")
    assert [(s["peerId"], s["peerDn"], s["confType"]) for s in sent] == [("bob@localhost", "Bob", 3), (C, "Carol", 3)]


def test_joiners_are_announced_connected_and_accepted_and_declines_reach_the_owner():
    d = Driver()
    created(d, invites=("bob", "carol"))
    out = d.feed(occupant("Bob", B))
    (new,) = published(out, "newParticipantInConference")
    assert new["peerId"] == B and new["peerDn"] == "Bob" and new["confId"] == CONF
    for name in ("mic", "video", "slideShow", "role", "broadcast", "audioReceiving", "videoReceiving", "extraVideo"):
        assert name in new
    assert published(out, "peerAccepted") == [{"peerId": B, "peerDn": "Bob", "confId": CONF}]
    assert of(out, fx.AddSlot) == [fx.AddSlot(B, "Bob")]
    # "bob@..." < "owner@...": bob initiates, this room waits for its offer
    assert of(out, fx.ConnectLegs) == [fx.ConnectLegs(CONF, (LegSpec(B, False),))]

    out = d.feed(Decline("carol@localhost/c1", CONF, 0))
    assert published(out, "rejectReceived") == [{"peerId": "carol@localhost", "peerDn": "Carol", "cause": 0}]
    assert d.feed(Decline("carol@localhost/c1", CONF, 0)) == []  # answered already

    # a third-party client (no <mesh/>) is a participant without a media leg
    out = d.feed(Occupant(ROOM, "dino", "zed@localhost/dino", "none", "participant"))
    assert published(out, "newParticipantInConference")[0]["peerId"] == "zed@localhost/dino"
    assert of(out, fx.ConnectLegs) == []

    view = d.machine.participants_view({"mic": True, "video": False}, lambda jid: ({"mic": False, "video": True}, {}))
    assert view["confId"] == CONF
    assert [p["peerId"] for p in view["participants"]] == [OWN, B, "zed@localhost/dino"]
    assert view["participants"][0]["mic"] == 1 and view["participants"][0]["leaderType"] == 2
    assert view["participants"][1]["video"] == 1


def test_invitee_rings_accepts_joins_and_sees_who_is_there():
    d = Driver(own_full=B, own_bare="bob@localhost", own_name="Bob")
    fields = {"id": CONF, "title": "Weekly", "type": "asymmetric", "owner": OWN}
    out = d.feed(Invitation(OWN, ROOM, "Weekly", fields))
    assert published(out, "inviteReceived") == [
        {"confId": CONF, "peerId": "owner@localhost", "peerDn": "owner@localhost", "type": 2, "confTitle": "Weekly"}
    ]
    assert d.env.app_state == AppState.WAIT
    assert d.machine.busy
    out = d.feed(ev.Accept())
    assert of(out, fx.Join) == [fx.Join(ROOM, "Bob")]
    # the room sends the others' presences first, our own last
    d.feed(Occupant(ROOM, "Owner Room", OWN, "owner", "moderator", mesh=True))
    d.feed(Occupant(ROOM, "Carol", C, "member", "participant", mesh=True))
    out = d.feed(Occupant(ROOM, "Bob", B, "member", "participant", codes=frozenset({110}), mesh=True))
    assert d.env.app_state == AppState.CONFERENCE
    (conf,) = published(out, "conferenceCreated")
    assert conf["confType"] == 2 and conf["conferenceOwner"] == OWN and conf["confTitle"] == "Weekly"
    assert [n["peerId"] for n in published(out, "newParticipantInConference")] == [OWN, C]
    # asymmetric: a participant exchanges media with the owner only ("bob" < "owner": bob initiates)
    assert of(out, fx.ConnectLegs) == [fx.ConnectLegs(CONF, (LegSpec(OWN, True),))]


def test_invitations_declined_when_busy_rejected_or_unanswered():
    d = Driver(own_full=B, own_bare="bob@localhost")
    d.env.app_state = AppState.CONFERENCE  # a one-to-one call is up
    out = d.feed(Invitation(OWN, ROOM, "Weekly", {"id": CONF}))
    assert of(out, fx.SendDecline) == [fx.SendDecline(OWN, CONF, 2)]
    assert published(out, "rejectSent")[0]["cause"] == 2
    assert not d.machine.busy

    d.env.app_state = AppState.NORMAL
    d.feed(Invitation(OWN, ROOM, "Weekly", {"id": CONF}))
    out = d.feed(ev.Reject())
    assert of(out, fx.SendDecline) == [fx.SendDecline(OWN, CONF, 0)]
    assert published(out, "rejectSent") == [
        {"confId": CONF, "peerId": "owner@localhost", "peerDn": "owner@localhost", "cause": 0}
    ]
    assert d.env.app_state == AppState.NORMAL

    # a plain XEP-0249 invitation from another client: a symmetric conference titled by its reason
    out = d.feed(Invitation("zed@localhost/dino", "other@conference.localhost", "Chat"))
    (invite,) = published(out, "inviteReceived")
    assert (invite["confId"], invite["type"], invite["confTitle"]) == ("other@localhost#vcs", 1, "Chat")
    out = d.feed(ev.TimerFired("ring"))
    assert of(out, fx.SendDecline) == [fx.SendDecline("zed@localhost/dino", "other@localhost#vcs", 16)]
    assert d.env.app_state == AppState.NORMAL


def test_join_refusals_and_a_full_room():
    d = Driver(own_full=B, own_bare="bob@localhost", own_name="Bob", mesh_size=2)
    d.feed(Invitation(OWN, ROOM, "Weekly", {"id": CONF}))
    d.feed(ev.Accept())
    out = d.feed(Occupant(ROOM, "Bob", available=False, error="conflict"))
    assert of(out, fx.Join) == [fx.Join(ROOM, "Bob-2")]
    out = d.feed(Occupant(ROOM, "Bob-2", available=False, error="registration-required"))
    assert published(out, "rejectReceived") == [{"peerId": "owner@localhost", "peerDn": "owner@localhost", "cause": 8}]
    assert d.env.app_state == AppState.NORMAL and d.machine.conf is None

    d.feed(Invitation(OWN, ROOM, "Weekly", {"id": CONF}))
    d.feed(ev.Accept())
    d.feed(occupant("Owner Room", OWN, aff="owner", role="moderator"))
    d.feed(occupant("Carol", C))
    out = d.feed(Occupant(ROOM, "Bob", B, "none", "participant", codes=frozenset({110})))
    assert of(out, fx.Leave) == [fx.Leave(ROOM, "Bob")]
    assert published(out, "rejectReceived")[0]["cause"] == 1
    assert published(out, "conferenceCreated") == []


def test_refusals_change_nothing():
    d = Driver()
    with pytest.raises(CallError, match="confType"):
        d.feed(ev.Create("abc123", SERVICE, "T", "mesh", True, ()))
    with pytest.raises(CallError, match="not in a conference"):
        d.feed(ev.Kick(B))
    with pytest.raises(CallError, match="not in a conference"):
        d.feed(ev.SendGroup("hi"))
    with pytest.raises(CallError, match="no conference invitation"):
        d.feed(ev.Accept())
    with pytest.raises(CallError, match="itself"):
        d.feed(ev.Create("abc123", SERVICE, "T", "symmetric", True, ("owner@localhost",)))
    with pytest.raises(CallError, match="full"):
        d.feed(ev.Create("abc123", SERVICE, "T", "symmetric", True, tuple(f"u{i}" for i in range(6))))
    assert d.machine.conf is None and d.env.app_state == AppState.NORMAL

    created(d, invites=())
    d.feed(occupant("Bob", B))
    with pytest.raises(CallError, match="InstanceId"):
        d.feed(ev.Kick("bob@localhost"))  # a CallId may name several instances
    with pytest.raises(CallError, match="not in the conference"):
        d.feed(ev.Kick("dave@localhost/d1"))
    with pytest.raises(CallError, match="this room itself"):
        d.feed(ev.SetModerator(OWN, True))
    with pytest.raises(CallError, match="busy"):
        d.feed(ev.Create("other", SERVICE, "T", "symmetric", True, ()))
    with pytest.raises(CallError, match="already in the conference"):
        d.feed(ev.Invite(B))
    assert issubclass(CallError, DomainError)

    # an ordinary participant may not kick, change moderators or end it for all
    p = Driver(own_full=C, own_bare="carol@localhost", own_name="Carol")
    p.feed(Invitation(OWN, ROOM, "Weekly", {"id": CONF}))
    p.feed(ev.Accept())
    p.feed(occupant("Bob", B))
    p.feed(Occupant(ROOM, "Carol", C, "none", "participant", codes=frozenset({110})))
    for command, text in (
        (ev.Kick(B), "owner or a moderator"),
        (ev.SetModerator(B, True), "only the conference owner"),
        (ev.HangUp(for_all=True), "owner or a moderator"),
        (ev.Invite("dave"), "owner or a moderator"),
    ):
        with pytest.raises(CallError, match=text):
            p.feed(command)
    assert p.env.app_state == AppState.CONFERENCE and B in p.machine.conf.participants


def test_kick_moderator_and_leaving_participants():
    d = Driver()
    created(d)
    d.feed(occupant("Bob", B))
    d.feed(occupant("Carol", C))
    assert d.feed(ev.Kick(B)) == [fx.SetRole(ROOM, "Bob", "none")]
    out = d.feed(occupant("Bob", B, role="none", available=False, codes=frozenset({307})))
    assert published(out, "participantLeftConference") == [{"peerId": B}]
    assert of(out, fx.DisconnectLegs) == [fx.DisconnectLegs((B,))]
    assert of(out, fx.RemoveSlot) == [fx.RemoveSlot(B)]

    assert d.feed(ev.SetModerator(C, True)) == [fx.SetRole(ROOM, "Carol", "moderator")]
    out = d.feed(occupant("Carol", C, role="moderator"))
    (role,) = published(out, "roleEventOccured")
    assert (role["peerId"], role["confId"], role["peerDn"], role["type"], role["result"]) == (C, CONF, "Carol", 3, 0)
    assert "role" in role and "broadcast" in role
    assert d.feed(ev.SetModerator(C, True)) == []  # a moderator already


def test_group_chat_echo_incoming_and_history_stored_unannounced():
    d = Driver()
    created(d)
    d.feed(occupant("Bob", B))
    assert d.feed(ev.SendGroup("hello")) == [fx.SendGroup(ROOM, "hello")]
    out = d.feed(GroupMessage(ROOM, "Owner Room", "hello", T0, msg_id="s1"))
    assert published(out, "groupChatMessageSent") == [{"message": "hello"}]
    assert of(out, fx.StoreGroupMessage) == [fx.StoreGroupMessage(ROOM, "Weekly", True, "hello", T0, "s1")]
    out = d.feed(GroupMessage(ROOM, "Bob", "hi all", T0 + 1.5))
    assert published(out, "incomingGroupChatMessage") == [
        {
            "peerId": B,
            "peerDn": "Bob",
            "chatId": group_chat_id(ROOM),
            "message": "hi all",
            "time": int(T0 + 1),
            "confId": CONF,
        }
    ]
    history = d.feed(GroupMessage(ROOM, "Bob", "old", T0 - 60, delayed=True, msg_id="s0"))
    assert history == [fx.StoreGroupMessage(ROOM, "Weekly", False, "old", T0 - 60, "s0")]


def test_hang_up_for_all_destroys_and_alone_hands_ownership_over():
    d = Driver()
    created(d)
    d.feed(occupant("Bob", B))
    assert of(d.feed(ev.HangUp(for_all=True)), fx.Destroy) == [fx.Destroy(ROOM)]
    out = d.feed(me(available=False, destroyed=True, codes=frozenset({110})))
    kinds = [type(e).__name__ if not isinstance(e, fx.Publish) else e.event for e in out]
    assert kinds.index("CloseMedia") < kinds.index("conferenceDeleted")
    states = [e.state for e in of(out, fx.SetAppState)]
    assert states == [AppState.CLOSE, AppState.NORMAL]
    assert published(out, "conferenceDeleted") == [{"confId": CONF}]
    assert fx.RemoveSlot(B) in out and d.machine.conf is None

    d = Driver()
    created(d)
    d.feed(occupant("Bob", B))
    d.now += 1
    d.feed(occupant("Carol", C, role="moderator"))
    out = d.feed(ev.HangUp())
    assert of(out, fx.SetAffiliation) == [fx.SetAffiliation(ROOM, "carol@localhost", "owner")]  # the moderator
    assert of(out, fx.Leave) == [fx.Leave(ROOM, "Owner Room")]
    with pytest.raises(CallError, match="leaving"):
        d.feed(ev.HangUp())
    out = d.feed(ev.TimerFired("leave"))  # the room never answered: over anyway
    assert published(out, "conferenceDeleted") == [{"confId": CONF}]


def test_kicked_participant_leaves_and_the_network_loss_ends_it():
    d = Driver(own_full=B, own_bare="bob@localhost", own_name="Bob")
    d.feed(Invitation(OWN, ROOM, "Weekly", {"id": CONF}))
    d.feed(ev.Accept())
    d.feed(occupant("Owner Room", OWN, aff="owner", role="moderator"))
    d.feed(Occupant(ROOM, "Bob", B, "none", "participant", codes=frozenset({110})))
    out = d.feed(Occupant(ROOM, "Bob", B, "none", "none", False, frozenset({110, 307})))
    assert published(out, "conferenceDeleted") == [{"confId": CONF}]
    assert d.env.app_state == AppState.NORMAL

    d.feed(Invitation(OWN, ROOM, "Weekly", {"id": CONF}))
    d.feed(ev.Accept())
    d.feed(Occupant(ROOM, "Bob", B, "none", "participant", codes=frozenset({110})))
    d.env.app_state = AppState.CONNECTING  # the network service reports the loss first
    out = d.feed(ev.NetworkLost())
    assert of(out, fx.Leave) == [] and published(out, "conferenceDeleted") == [{"confId": CONF}]
    assert of(out, fx.SetAppState) == []  # the network's state stays


def test_remote_devices_only_from_owner_or_moderator():
    d = Driver()
    created(d)
    d.feed(occupant("Bob", B))
    assert d.feed(ev.TurnRemote(B, "mic", False)) == [fx.SendSignal(B, CONF, "device", {"kind": "mic", "on": "false"})]
    with pytest.raises(CallError, match="InstanceId"):
        d.feed(ev.TurnRemote("bob@localhost", "video", False))

    p = Driver(own_full=B, own_bare="bob@localhost", own_name="Bob")
    p.feed(Invitation(OWN, ROOM, "Weekly", {"id": CONF}))
    p.feed(ev.Accept())
    p.feed(occupant("Owner Room", OWN, aff="owner", role="moderator"))
    p.feed(occupant("Carol", C))
    p.feed(Occupant(ROOM, "Bob", B, "none", "participant", codes=frozenset({110})))
    out = p.feed(ConfSignal(OWN, CONF, "device", {"kind": "video", "on": "false"}))
    assert of(out, fx.SetOwnMute) == [fx.SetOwnMute("video", True)]
    assert published(out, "cameraStateChangedByConferenceOwner") == [{"mute": True, "confId": CONF}]
    assert p.feed(ConfSignal(C, CONF, "device", {"kind": "mic", "on": "false"})) == []  # not a moderator
    assert p.feed(ConfSignal(OWN, "other@localhost#vcs", "device", {"kind": "mic", "on": "false"})) == []
    with pytest.raises(CallError, match="owner or a moderator"):
        p.feed(ev.TurnRemote(C, "mic", False))
