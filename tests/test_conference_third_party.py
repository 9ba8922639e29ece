"""Third-party Jingle clients in a conference: which legs the machine asks for, and who is one.

The machine on its own (fake room, as tests/test_conference_machine_*.py); the end-to-end proof
with StanzaJS in Chromium is tests/interop/test_stanzajs_conference.py.
"""

from __future__ import annotations

import pytest

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference.state import LegSpec
from meetroom.calls.errors import CallError
from meetroom.calls.route import RTP_AUDIO, RTP_VIDEO, TERMINAL, speaks_jingle_media
from meetroom.net.jingle.ns import JINGLE, RTP
from meetroom.net.muc import Occupant
from tests.support.confrig import CONF, ROOM, Driver, created, occupant, of

ZED = "zed@localhost/web"  # "zed" > "owner": the mesh rule alone would have Zed initiate


def test_a_jingle_client_gets_a_leg_this_room_starts():
    d = Driver()
    created(d)
    out = d.feed(Occupant(ROOM, "Zed", ZED, "none", "participant"))  # no <mesh/>
    assert of(out, fx.ConnectLegs) == []  # nothing until its features are known
    out = d.feed(ev.PeerMedia(ZED, True))
    assert of(out, fx.ConnectLegs) == [fx.ConnectLegs(CONF, (LegSpec(ZED, True, True, direct=True),))]
    assert d.feed(ev.PeerMedia(ZED, True)) == []  # told twice: nothing new
    assert d.feed(ev.PeerMedia(ZED, False)) == []  # a late disco answer does not end a running leg
    out = d.feed(Occupant(ROOM, "Zed", ZED, "none", "none", available=False))
    assert of(out, fx.DisconnectLegs) == [fx.DisconnectLegs((ZED,))]


def test_a_client_without_jingle_media_gets_no_leg_and_strangers_are_ignored():
    d = Driver()
    created(d)
    d.feed(Occupant(ROOM, "Zed", ZED, "none", "participant"))
    assert of(d.feed(ev.PeerMedia(ZED, False)), fx.ConnectLegs) == []
    assert d.feed(ev.PeerMedia("nobody@localhost/x", True)) == []  # not a participant
    d.feed(occupant("Bob", "bob@localhost/b1"))
    assert d.feed(ev.PeerMedia("bob@localhost/b1", True)) == []  # a meetroom room keeps the mesh rule


def test_the_mesh_size_counts_third_party_participants():
    d = Driver(mesh_size=3)
    created(d)
    d.feed(Occupant(ROOM, "Zed", ZED, "none", "participant"))
    d.feed(ev.PeerMedia(ZED, True))
    d.feed(occupant("Bob", "bob@localhost/b1"))
    with pytest.raises(CallError, match="full"):  # owner, Zed and Bob: three of three
        d.feed(ev.Invite("carol@localhost"))


def test_in_a_role_based_conference_a_listener_client_sends_nothing_to_us():
    d = Driver()
    created(d, conf_type="role")
    d.feed(Occupant(ROOM, "Zed", ZED, "none", "visitor"))
    out = d.feed(ev.PeerMedia(ZED, True))
    # the owner is on the podium: it sends; Zed is a listener: its silence is no loss
    assert of(out, fx.ConnectLegs) == [fx.ConnectLegs(CONF, (LegSpec(ZED, True, True, direct=True, receive=False),))]


def test_who_counts_as_a_jingle_media_client():
    base = {JINGLE, RTP}
    assert speaks_jingle_media(frozenset(base | {RTP_AUDIO, RTP_VIDEO}))
    assert speaks_jingle_media(frozenset(base | {RTP_AUDIO}))
    assert not speaks_jingle_media(frozenset(base))  # no media kind advertised
    assert not speaks_jingle_media(frozenset({RTP_AUDIO, RTP_VIDEO}))  # no Jingle
    assert not speaks_jingle_media(frozenset(base | {RTP_AUDIO, TERMINAL}))  # a meetroom room: the mesh's rule
    assert not speaks_jingle_media(None)  # no answer
