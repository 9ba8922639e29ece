"""The conference machine on its own: inputs → effects with a fake room and a fake clock.

Every path of docs/conferences.md that tests/test_conference_e2e.py drives with real rooms,
expressed without sockets, tasks or sleeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference.machine import ConferenceMachine
from meetroom.calls.conference.state import LegSpec, group_chat_id
from meetroom.calls.errors import CallError
from meetroom.core.appstate import AppState
from meetroom.core.errors import DomainError
from meetroom.net.muc import ConfSignal, Decline, GroupMessage, Invitation, Occupant, VoiceRequest

OWN = "owner@localhost/o1"
B = "bob@localhost/b1"
C = "carol@localhost/c1"
SERVICE = "conference.localhost"
ROOM = f"abc123@{SERVICE}"
CONF = "abc123@localhost#vcs"
T0 = 1_000_000.0


@dataclass
class FakeRoom:
    own_full: str = OWN
    own_bare: str = "owner@localhost"
    own_name: str = "Owner Room"
    domain: str = "localhost"
    logged_in: bool = True
    app_state: AppState = AppState.NORMAL
    ring_timeout: float = 40.0
    auto_accept: bool = False
    mesh_size: int = 6
    auto_accept_podium: bool = False
    call_conf_id: str = ""
    call_peer: str = ""
    calling_peer: str = ""

    def peer_dn(self, bare: str) -> str:
        return {"bob@localhost": "Bob", "carol@localhost": "Carol"}.get(bare, bare)


class Driver:
    """Feeds the machine and keeps appState as the real driver would (SetAppState is performed)."""

    def __init__(self, **env: Any) -> None:
        self.env = FakeRoom(**env)
        self.machine = ConferenceMachine(self.env)
        self.now = T0

    def feed(self, event: Any) -> list[Any]:
        out = self.machine.handle(event, self.now)
        for effect in out:
            if isinstance(effect, fx.SetAppState):
                self.env.app_state = effect.state
        return out


def published(effects: list[Any], event: str) -> list[dict[str, Any]]:
    return [e.fields for e in effects if isinstance(e, fx.Publish) and e.event == event]


def of(effects: list[Any], kind: type) -> list[Any]:
    return [e for e in effects if isinstance(e, kind)]


def occupant(nick: str, jid: str = "", *, role: str = "participant", aff: str = "none", **kw: Any) -> Occupant:
    return Occupant(ROOM, nick, jid, aff, role, mesh=True, **kw)


def me(**kw: Any) -> Occupant:
    return Occupant(ROOM, "Owner Room", OWN, kw.pop("aff", "owner"), kw.pop("role", "moderator"), **kw)


def created(d: Driver, conf_type: str = "symmetric", auto_accept: bool = True, invites: tuple[str, ...] = ()) -> None:
    d.feed(ev.Create("abc123", SERVICE, "Weekly", conf_type, auto_accept, invites))
    d.feed(me(codes=frozenset({110, 201})))
    d.feed(ev.Configured(ROOM, True))


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


def test_podium_listeners_receive_only_and_invitations_and_requests():
    d = Driver()
    created(d, conf_type="role")
    out = d.feed(occupant("Bob", B, aff="member"))
    assert fx.SetRole(ROOM, "Bob", "visitor") in out  # joiners are seated among the listeners
    assert of(out, fx.ConnectLegs) == [fx.ConnectLegs(CONF, (LegSpec(B, False, True),))]  # the owner is on the podium
    d.feed(occupant("Bob", B, aff="member", role="visitor"))
    out = d.feed(occupant("Carol", C, aff="member"))
    d.feed(occupant("Carol", C, aff="member", role="visitor"))

    # the owner invites Bob; Bob accepts; the owner gives him voice
    out = d.feed(ev.Podium("invite", B))
    assert of(out, fx.SendSignal) == [fx.SendSignal(B, CONF, "podium-invite")]
    assert published(out, "roleEventOccured")[0]["role"] == 4
    with pytest.raises(CallError, match="invited to the podium already"):
        d.feed(ev.Podium("invite", B))
    assert of(d.feed(ConfSignal(B, CONF, "podium-accept")), fx.SetRole) == [fx.SetRole(ROOM, "Bob", "participant")]
    out = d.feed(occupant("Bob", B, aff="member", role="participant"))
    assert published(out, "roleEventOccured")[0]["broadcast"] is True

    # Carol asks (a voice request through the room); the owner refuses
    out = d.feed(VoiceRequest(ROOM, C, "Carol"))
    assert published(out, "roleEventOccured")[0]["role"] == 3
    out = d.feed(ev.Podium("reject-request", C))
    assert of(out, fx.SendSignal) == [fx.SendSignal(C, CONF, "podium-answer", {"allow": "false"})]
    assert published(out, "incomingRequestToPodiumAnswered") == [{"peerId": C, "allow": False, "confId": CONF}]
    with pytest.raises(CallError, match="has not asked"):
        d.feed(ev.Podium("accept-request", C))
    assert of(d.feed(ev.Podium("kick", B)), fx.SetRole) == [fx.SetRole(ROOM, "Bob", "visitor")]
    with pytest.raises(CallError, match="not a speaker"):
        d.feed(ev.Podium("kick", C))

    # a listener's side: legs to speakers only, receive only; the podium changes them
    p = Driver(own_full="zoe@localhost/z1", own_bare="zoe@localhost", own_name="Zoe")
    p.feed(Invitation(OWN, ROOM, "Weekly", {"id": CONF, "type": "role"}))
    p.feed(ev.Accept())
    p.feed(occupant("Owner Room", OWN, aff="owner", role="moderator"))
    p.feed(occupant("Carol", C, aff="member", role="visitor"))
    out = p.feed(Occupant(ROOM, "Zoe", "zoe@localhost/z1", "member", "visitor", codes=frozenset({110})))
    assert of(out, fx.ConnectLegs) == [fx.ConnectLegs(CONF, (LegSpec(OWN, False, False),))]  # no leg to Carol
    with pytest.raises(CallError, match="not a speaker"):
        p.feed(ev.Podium("leave"))
    out = p.feed(ConfSignal(OWN, CONF, "podium-invite"))
    assert published(out, "roleEventOccured")[0]["role"] == 4
    out = p.feed(ev.Podium("accept-invitation"))
    assert of(out, fx.SendSignal) == [fx.SendSignal(OWN, CONF, "podium-accept")]
    assert published(out, "incomingPodiumInvitationRemoved") == [{"confId": CONF, "reason": 0}]
    out = p.feed(Occupant(ROOM, "Zoe", "zoe@localhost/z1", "member", "participant", codes=frozenset({110})))
    # on the podium: the leg to the owner starts sending (no new leg); Carol (a listener) now gets one
    assert of(out, fx.DisconnectLegs) == []
    assert of(out, fx.UpdateLegs) == [fx.UpdateLegs((LegSpec(OWN, False, True),))]
    assert of(out, fx.ConnectLegs) == [fx.ConnectLegs(CONF, (LegSpec(C, False, True, receive=False),))]
    # off it again: Carol's leg ends (two listeners exchange nothing), the owner's stops sending
    out = p.feed(Occupant(ROOM, "Zoe", "zoe@localhost/z1", "member", "visitor", codes=frozenset({110})))
    assert of(out, fx.DisconnectLegs) == [fx.DisconnectLegs((C,))]
    assert of(out, fx.UpdateLegs) == [fx.UpdateLegs((LegSpec(OWN, False, False),))]
    p.feed(Occupant(ROOM, "Zoe", "zoe@localhost/z1", "member", "participant", codes=frozenset({110})))
    with pytest.raises(CallError, match="on the podium already"):
        p.feed(ev.Podium("goto"))

    s = Driver()
    created(s)
    with pytest.raises(CallError, match="role-based"):
        s.feed(ev.Podium("goto"))


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


def test_a_listener_remarks_for_a_while_and_the_owner_takes_the_floor_back():
    d = Driver()
    created(d, conf_type="role")
    d.feed(occupant("Bob", B, aff="member"))
    d.feed(occupant("Bob", B, aff="member", role="visitor"))
    out = d.feed(ConfSignal(B, CONF, "remark"))
    assert of(out, fx.SetRole) == [fx.SetRole(ROOM, "Bob", "participant")]
    assert of(out, fx.SendSignal) == [fx.SendSignal(B, CONF, "remark-granted", {"seconds": "30"})]
    assert of(out, fx.StartTimer) == [fx.StartTimer(f"remark-over:{B}", 30)]
    d.feed(occupant("Bob", B, aff="member", role="participant"))
    assert of(d.feed(ev.TimerFired(f"remark-over:{B}")), fx.SetRole) == [fx.SetRole(ROOM, "Bob", "visitor")]

    # the listener's side: ask, then count down once a second to 0
    p = Driver(own_full="zoe@localhost/z1", own_bare="zoe@localhost", own_name="Zoe")
    p.feed(Invitation(OWN, ROOM, "Weekly", {"id": CONF, "type": "role"}))
    p.feed(ev.Accept())
    p.feed(occupant("Owner Room", OWN, aff="owner", role="moderator"))
    p.feed(Occupant(ROOM, "Zoe", "zoe@localhost/z1", "member", "visitor", codes=frozenset({110})))
    assert of(p.feed(ev.StartRemark()), fx.SendSignal) == [fx.SendSignal(OWN, CONF, "remark")]
    out = p.feed(ConfSignal(OWN, CONF, "remark-granted", {"seconds": "3"}))
    counts = published(out, "remarkCountDown")
    for _ in range(3):
        counts += published(p.feed(ev.TimerFired("remark-tick")), "remarkCountDown")
    assert [c["timeout"] for c in counts] == [3, 2, 1, 0] and {c["confId"] for c in counts} == {CONF}
    assert of(p.feed(ev.TimerFired("remark-tick")), fx.Publish) == []  # no tick after 0
    # a stranger's grant is ignored; on the podium, or outside a role-based conference, refused
    assert p.feed(ConfSignal(C, CONF, "remark-granted", {"seconds": "9"})) == []
    p.feed(Occupant(ROOM, "Zoe", "zoe@localhost/z1", "member", "participant", codes=frozenset({110})))
    with pytest.raises(CallError, match="on the podium"):
        p.feed(ev.StartRemark())
    s = Driver()
    created(s)
    with pytest.raises(CallError, match="role-based"):
        s.feed(ev.StartRemark())


def test_a_smart_meeting_seats_speakers_by_voice_and_its_mode_is_switched():
    d = Driver()
    d.feed(ev.Create("abc123", SERVICE, "Weekly", "role", True, (), smart=True, casters=2))
    d.feed(me(codes=frozenset({110, 201})))
    out = d.feed(ev.Configured(ROOM, True))
    (conf,) = published(out, "conferenceCreated")
    assert conf["isSmartMeeting"] is True and conf["maxParticipantsOnPodium"] == 2
    assert published(out, "smartMeetingModeChanged") == [{"confId": CONF, "smartMeeting": True}]
    out = d.feed(occupant("Bob", B))
    assert fx.SendSignal(B, CONF, "smart-mode", {"on": "true"}) in of(out, fx.SendSignal)
    assert of(out, fx.SetRole) == [fx.SetRole(ROOM, "Bob", "visitor")]  # seated among the listeners first
    d.feed(occupant("Bob", B, role="visitor"))
    d.feed(occupant("Carol", C, role="visitor"))
    # Bob speaks, Carol is silent: after the hold Bob gets voice, Carol never does
    roles = []
    for _ in range(10):
        roles += of(d.feed(ev.AudioLevels({B: 0.2, C: 0.0})), fx.SetRole)
        d.now += 0.2
    assert roles == [fx.SetRole(ROOM, "Bob", "participant")]
    d.feed(occupant("Bob", B, role="participant"))
    # the podium (castersCount 2: the owner and Bob) is full; Carol speaks, Bob has been quiet long
    for _ in range(25):
        d.feed(ev.AudioLevels({B: 0.0, C: 0.0}))
        d.now += 0.2
    roles = []
    for _ in range(5):
        roles += of(d.feed(ev.AudioLevels({B: 0.0, C: 0.2})), fx.SetRole)
        d.now += 0.2
    assert roles == [fx.SetRole(ROOM, "Bob", "visitor"), fx.SetRole(ROOM, "Carol", "participant")]

    # switched off: announced, told to everyone, no more seating
    out = d.feed(ev.ChangeMode(False))
    assert published(out, "smartMeetingModeChanged") == [{"confId": CONF, "smartMeeting": False}]
    signals = of(out, fx.SendSignal)
    assert {(s.to, s.name, s.attrs["on"]) for s in signals} == {(B, "smart-mode", "false"), (C, "smart-mode", "false")}
    assert d.feed(ev.ChangeMode(False)) == []  # no change, nothing to say
    assert of(d.feed(ev.AudioLevels({B: 0.2, C: 0.2})), fx.SetRole) == []
    # a moderator asks the owner's room to switch it back on
    d.feed(occupant("Bob", B, role="moderator"))
    out = d.feed(ConfSignal(B, CONF, "smart-mode", {"on": "true"}))
    assert published(out, "smartMeetingModeChanged") == [{"confId": CONF, "smartMeeting": True}]
    # a listener cannot
    d.feed(occupant("Carol", C, role="visitor"))
    assert d.feed(ConfSignal(C, CONF, "smart-mode", {"on": "false"})) == []


def test_a_smart_meeting_listener_sends_its_audio_to_the_owner_only():
    p = Driver(own_full="zoe@localhost/z1", own_bare="zoe@localhost", own_name="Zoe")
    p.feed(Invitation(OWN, ROOM, "Weekly", {"id": CONF, "type": "role"}))
    p.feed(ev.Accept())
    p.feed(occupant("Owner Room", OWN, aff="owner", role="moderator"))
    p.feed(occupant("Bob", B, role="participant"))
    out = p.feed(Occupant(ROOM, "Zoe", "zoe@localhost/z1", "member", "visitor", codes=frozenset({110})))
    (legs,) = of(out, fx.ConnectLegs)
    assert {leg.peer: (leg.send, leg.send_audio) for leg in legs.legs} == {OWN: (False, False), B: (False, False)}
    out = p.feed(ConfSignal(OWN, CONF, "smart-mode", {"on": "true"}))
    assert published(out, "smartMeetingModeChanged") == [{"confId": CONF, "smartMeeting": True}]
    (update,) = of(out, fx.UpdateLegs)
    assert [(leg.peer, leg.send, leg.send_audio) for leg in update.legs] == [(OWN, False, True)]
    assert p.feed(ConfSignal(B, CONF, "smart-mode", {"on": "false"})) == []  # only the owner says so
    with pytest.raises(CallError, match="owner or a moderator"):
        p.feed(ev.ChangeMode(False))
    out = p.feed(Occupant(ROOM, "Zoe", "zoe@localhost/z1", "member", "participant", codes=frozenset({110})))
    (update,) = of(out, fx.UpdateLegs)
    assert {(leg.peer, leg.send, leg.send_audio) for leg in update.legs} == {(OWN, True, False), (B, True, False)}
    # a moderator's switch goes to the owner's room
    p.feed(Occupant(ROOM, "Zoe", "zoe@localhost/z1", "member", "moderator", codes=frozenset({110})))
    out = p.feed(ev.ChangeMode(False))
    assert of(out, fx.SendSignal) == [fx.SendSignal(OWN, CONF, "smart-mode", {"on": "false"})]
    assert published(out, "smartMeetingModeChanged") == []  # announced when the owner says so


def test_smart_meeting_refusals_change_nothing():
    d = Driver()
    with pytest.raises(CallError, match="role-based"):
        d.feed(ev.Create("abc123", SERVICE, "T", "symmetric", True, (), smart=True))
    with pytest.raises(CallError, match="smartMeeting must be"):
        d.feed(ev.Create("abc123", SERVICE, "T", "role", True, (), smart="yes"))
    for casters in (0, -1, True, "2", 1.5):
        with pytest.raises(CallError, match="castersCount"):
            d.feed(ev.Create("abc123", SERVICE, "T", "role", True, (), smart=True, casters=casters))
    assert d.machine.conf is None and d.env.app_state == AppState.NORMAL
    with pytest.raises(CallError, match="not in a conference"):
        d.feed(ev.ChangeMode(True))
    created(d)
    with pytest.raises(CallError, match="role-based"):
        d.feed(ev.ChangeMode(True))
    r = Driver()
    created(r, conf_type="role")
    with pytest.raises(CallError, match="true or false"):
        r.feed(ev.ChangeMode("on"))
    assert r.machine.conf is not None and r.machine.conf.smart is False
    assert r.feed(ev.AudioLevels({B: 0.5})) == []  # not smart: levels are ignored
    out = r.feed(ev.ChangeMode(True))
    assert published(out, "smartMeetingModeChanged") == [{"confId": CONF, "smartMeeting": True}]


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


def test_a_smart_invitation_says_so_and_the_owner_keeps_the_podium_to_castersCount():
    d = Driver()
    d.feed(ev.Create("abc123", SERVICE, "Weekly", "role", True, ("zoe",), smart=False, casters=2))
    d.feed(me(codes=frozenset({110, 201})))
    (invite,) = of(d.feed(ev.Configured(ROOM, True)), fx.SendInvite)
    assert "smart" not in invite.fields  # not a smart meeting
    d.feed(occupant("Bob", B, role="visitor"))
    d.feed(occupant("Carol", C, role="visitor"))
    assert of(d.feed(ev.Podium("invite", B)), fx.SendSignal) == [fx.SendSignal(B, CONF, "podium-invite")]
    d.feed(occupant("Bob", B, role="participant"))  # Bob took the second seat (the owner has one)
    with pytest.raises(CallError, match="podium is full"):
        d.feed(ev.Podium("invite", C))
    d.feed(VoiceRequest(ROOM, C, "Carol"))
    with pytest.raises(CallError, match="castersCount"):
        d.feed(ev.Podium("accept-request", C))

    s = Driver()
    s.feed(ev.Create("abc123", SERVICE, "Weekly", "role", True, ("zoe",), smart=True))
    s.feed(me(codes=frozenset({110, 201})))
    (invite,) = of(s.feed(ev.Configured(ROOM, True)), fx.SendInvite)
    assert invite.fields["smart"] == "true"
    p = Driver(own_full="zoe@localhost/z1", own_bare="zoe@localhost", own_name="Zoe")
    p.feed(Invitation(OWN, ROOM, "Weekly", dict(invite.fields)))
    p.feed(ev.Accept())
    p.feed(occupant("Owner Room", OWN, aff="owner", role="moderator"))
    out = p.feed(Occupant(ROOM, "Zoe", "zoe@localhost/z1", "none", "visitor", codes=frozenset({110})))
    (conf,) = published(out, "conferenceCreated")
    assert conf["isSmartMeeting"] is True
    assert published(out, "smartMeetingModeChanged") == [{"confId": CONF, "smartMeeting": True}]
    (legs,) = of(out, fx.ConnectLegs)
    assert [(leg.peer, leg.send, leg.send_audio) for leg in legs.legs] == [(OWN, False, True)]
    assert p.feed(ConfSignal(OWN, CONF, "smart-mode", {"on": "true"})) == []  # the owner's greeting: known
