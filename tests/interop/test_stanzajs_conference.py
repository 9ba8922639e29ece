"""A third-party XMPP client in a meetroom conference gets media: StanzaJS 12 in Debian's Chromium.

StanzaJS joins the conference's MUC room as a plain XEP-0045 occupant (it knows nothing of
meetroom's mesh). tests/support/stanzajs_conference_driver.py runs the scene in a network
namespace with only `lo`: two rooms in a conference; first the rooms see Jingle RTP in the
client's disco#info and each calls it; then the client hides those features and calls each room
itself. Both times the client receives every room's video, every room shows its picture, and its
leaving ends the legs.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.netns import browser_namespace, run_driver
from tests.support.stanzajs import ensure_bundle

DRIVER_TIMEOUT = 120.0
ROOMS = 2  # with 3, video flowed too, but a loaded 2-core machine decoded fewer frames than check_media asks


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    bundle = ensure_bundle()  # npm needs the registry: built outside the namespace
    scratch = tmp_path_factory.mktemp("stanzajs-conference")
    with browser_namespace() as namespace:
        args = ["--dir", str(scratch), "--bundle", str(bundle), "--ice-host", "127.0.0.1", "--rooms", str(ROOMS)]
        records = run_driver(namespace, "tests.support.stanzajs_conference_driver", args, DRIVER_TIMEOUT)
    assert any(r.get("done") for r in records), records
    return {r["step"]: r for r in records if "step" in r}


def check_media(step: dict[str, Any], fulls: dict[str, str], js: str) -> None:
    live = [s for s in step["sessions"] if s["state"] != "ended"]
    assert sorted(s["peer"] for s in live) == sorted(fulls.values()), live  # one session per room
    for name in fulls:
        grew = step["grew"][name]  # over step["window"]: 2 s, or up to 8 s until these figures are met
        assert grew["video"] > 20_000 and grew["framesDecoded"] > 10, (name, grew, step["window"])
        assert grew["audio"] > 4_000, (name, grew, step["window"])
        picture = step["pictures"][name]
        assert picture["status"] == 200 and picture["size"] == [320, 240], (name, picture)
        assert picture["contrast"] > 5, (name, picture)  # the fake camera's picture, not flat grey
        assert picture["participant"]["videoFrames"] > 10, (name, picture)


def check_left(step: dict[str, Any], js: str) -> None:
    assert set(step["left"]) == set(step["listed_after"]) == set("abc"[:ROOMS])
    assert step["still_live"] == [], step  # every Jingle session ended with the MUC presence
    for name, listed in step["listed_after"].items():
        assert js not in listed, (name, listed)


def test_the_client_runs_where_lo_is_the_only_interface(scene: dict[str, Any]) -> None:
    assert scene["network"]["interfaces"] == ["lo"]


def test_rooms_call_a_jingle_client_in_their_conference(scene: dict[str, Any]) -> None:
    fulls, js = scene["conference"]["fulls"], scene["online"]["jid"]
    step = scene["rooms_call_client"]
    assert {e["from"] for e in step["incoming"]} == set(fulls.values())  # each room called it directly
    assert {j["peerId"] for j in step["joined"].values()} == {js}
    check_media(step, fulls, js)
    check_left(scene["rooms_call_client_left"], js)


def test_a_jingle_client_calls_the_rooms_of_its_conference(scene: dict[str, Any]) -> None:
    fulls, js = scene["conference"]["fulls"], scene["online"]["jid"]
    step = scene["client_calls_rooms"]
    assert step["called_us"] == []  # without RTP features in its disco#info, no room called it
    check_media(step, fulls, js)
    check_left(scene["client_calls_rooms_left"], js)


def test_no_errors_in_the_rooms(scene: dict[str, Any]) -> None:
    for name, lines in scene["room_output"]["lines"].items():
        failures = [line for line in lines if "Traceback" in line or line.split(" ", 1)[0] in ("ERROR", "CRITICAL")]
        assert failures == [], (name, lines[-40:])
