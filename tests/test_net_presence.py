"""The XMPP presence ↔ extStatus table (meetroom/net/presence.py)."""

from __future__ import annotations

import pytest

from meetroom.net.presence import RECENT_SECONDS, ContactPresence, ext_of, legacy_status
from meetroom.net.xmpp import PresenceInfo


def info(resource: str = "r1", available: bool = True, show: str = "", ext: int | None = None, error: bool = False):
    return PresenceInfo(f"bob@x/{resource}", "bob@x", available, show=show, ext=ext, error=error)


@pytest.mark.parametrize(
    ("presence", "expected"),
    [
        (info(), 2),
        (info(show="chat"), 2),
        (info(show="dnd"), 5),
        (info(show="away"), 6),
        (info(show="xa"), 6),
        (info(ext=4), 4),
        (info(show="dnd", ext=9), 9),
        (info(ext=42), 2),  # out-of-range extension ignored
        (info(available=False), 0),
        (info(error=True), -1),
    ],
)
def test_ext_status_table(presence, expected):
    assert ext_of(presence) == expected


@pytest.mark.parametrize(("ext", "status"), [(-1, -1), (0, 0), (1, 0), (2, 1), (4, 1), (6, 1), (5, 2), (9, 2), (10, 5)])
def test_legacy_status_follows_ext_status(ext, status):
    assert legacy_status(ext) == status


def test_the_strongest_resource_wins_and_offline_becomes_recent_then_old():
    contact = ContactPresence()
    contact.apply(info("phone", show="away"), now=100.0)
    contact.apply(info("room", ext=9), now=100.0)
    assert contact.ext() == 9  # in a call beats away
    contact.apply(info("room", available=False), now=200.0)
    assert contact.ext() == 6
    contact.apply(info("phone", available=False), now=300.0)
    assert contact.ext(now=301.0) == 1 and contact.last_online == 300.0
    assert contact.fields()["lastOnlineTime"] == 300
    assert contact.ext(now=300.0 + RECENT_SECONDS + 1) == 0


def test_error_presence_marks_the_contact_invalid_until_it_is_seen_again():
    contact = ContactPresence()
    contact.apply(info(error=True))
    assert contact.fields()["extStatus"] == -1 and contact.fields()["status"] == -1
    contact.apply(info())
    assert contact.fields() == {"status": 1, "extStatus": 2, "lastOnlineTime": 0, "additionalStatus": ""}
