"""The conference machine in-process (fake room, fake clock): the podium, remarks and smart
meetings (the video selector).
"""

from __future__ import annotations

import pytest

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference.state import LegSpec
from meetroom.calls.errors import CallError
from meetroom.core.appstate import AppState
from meetroom.net.muc import ConfSignal, Invitation, Occupant, VoiceRequest
from tests.support.confrig import (
    CONF,
    OWN,
    ROOM,
    SERVICE,
    B,
    C,
    Driver,
    created,
    me,
    occupant,
    of,
    published,
)


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
