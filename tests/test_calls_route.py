"""Choosing between a JMI propose and a direct Jingle session-initiate from the callee's features."""

from __future__ import annotations

from meetroom.calls.route import ROOM_FEATURES, direct_target

JINGLE_ONLY = frozenset({"urn:xmpp:jingle:1", "urn:xmpp:jingle:apps:rtp:1", "urn:xmpp:jingle:apps:rtp:audio"})
WITH_JMI = JINGLE_ONLY | {"urn:xmpp:jingle-message:0"}
CHAT_ONLY = frozenset({"http://jabber.org/protocol/disco#info", "urn:xmpp:receipts"})


def test_a_resource_with_jingle_rtp_but_no_jmi_is_called_directly():
    assert direct_target({"x@localhost/web": JINGLE_ONLY}) == "x@localhost/web"


def test_jmi_wins_when_any_resource_speaks_it_or_may_speak_it():
    assert direct_target({"x@localhost/web": WITH_JMI}) == ""
    assert direct_target({"x@localhost/a": JINGLE_ONLY, "x@localhost/b": WITH_JMI}) == ""
    assert direct_target({"x@localhost/a": JINGLE_ONLY, "x@localhost/b": None}) == ""  # unknown: maybe JMI
    assert direct_target({"x@localhost/a": None}) == ""


def test_without_any_call_feature_the_propose_is_kept():
    assert direct_target({}) == ""  # nobody online that we know of: JMI finds out (nobody rings → 3)
    assert direct_target({"x@localhost/chat": CHAT_ONLY}) == ""
    assert direct_target({"x@localhost/chat": CHAT_ONLY, "x@localhost/web": JINGLE_ONLY}) == "x@localhost/web"


def test_the_first_jingle_resource_in_preference_order_is_chosen():
    both = {"x@localhost/b": JINGLE_ONLY, "x@localhost/a": JINGLE_ONLY}
    assert direct_target(both) == "x@localhost/b"


def test_the_room_advertises_what_callers_look_for():
    for feature in (
        "urn:xmpp:jingle:1",
        "urn:xmpp:jingle:apps:rtp:1",
        "urn:xmpp:jingle:apps:rtp:audio",
        "urn:xmpp:jingle:apps:rtp:video",
        "urn:xmpp:jingle:transports:ice-udp:1",
        "urn:xmpp:jingle:apps:dtls:0",
        "urn:xmpp:jingle-message:0",
    ):
        assert feature in ROOM_FEATURES
