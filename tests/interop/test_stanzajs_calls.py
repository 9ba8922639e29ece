"""Calls between a room and StanzaJS, a public XMPP library with its own Jingle stack, in Chromium.

Nobody on the project wrote the client: StanzaJS 12 (npm, pinned in tests/interop/stanzajs/)
runs in Debian's Chromium with fake camera and microphone and Chromium's own WebRTC, logged in
over Prosody's WebSocket endpoint. tests/support/stanzajs_driver.py runs the whole scene in a
network namespace of this test's own (tests/support/netns.py) and reports what it saw; here each
fact is checked: calls both ways, media both ways, mute both ways, hang-up both ways, and the
issue's rules where a real client shows them (trickled candidates used, a hang-up not taken for a
network loss, a client without JMI rung with a direct session-initiate).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from meetroom.net.jingle import jingle_to_sdp, sdp_to_jingle
from meetroom.net.jingle.ns import JINGLE, q
from tests.support.browser import browser  # noqa: F401
from tests.support.netns import BROWSER_ADDRESS, browser_namespace, run_driver
from tests.support.stanzajs import ensure_bundle

DRIVER_TIMEOUT = 120.0
FIXTURES = Path(__file__).parent.parent / "fixtures"
INDEX = "<!doctype html><html><head><script src='bundle.js'></script></head><body></body></html>"


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    bundle = ensure_bundle()  # npm needs the registry: built outside the namespace
    scratch = tmp_path_factory.mktemp("stanzajs")
    with browser_namespace() as namespace:
        args = ["--dir", str(scratch), "--bundle", str(bundle), "--ice-host", BROWSER_ADDRESS]
        records = run_driver(namespace, "tests.support.stanzajs_driver", args, DRIVER_TIMEOUT)
    assert any(r.get("done") for r in records), records
    return {r["step"]: r for r in records if "step" in r}


def test_the_browser_runs_where_lo_is_the_only_interface(scene: dict[str, Any]) -> None:
    assert scene["network"]["interfaces"] == ["lo"]


def check_media(flow: dict[str, Any], peer: str) -> None:
    before, after = flow["browser_before"], flow["browser_after"]
    assert after["connection"] == "connected"
    # the room's audio and video reach the browser, and keep coming (~2 s between the samples)
    assert after["received"]["video"] - before["received"]["video"] > 20_000, flow
    assert after["received"]["audio"] - before["received"]["audio"] > 4_000, flow
    assert after["framesDecoded"] > before["framesDecoded"], flow
    # ... and the browser's reach the room: its fake camera picture on the room's /frames/
    assert flow["frame_status"] == 200 and flow["frame_type"] == "image/jpeg", flow
    assert (flow["picture"]["width"], flow["picture"]["height"]) == (320, 240), flow
    assert flow["picture"]["contrast"] > 5, flow  # a picture, not a flat grey
    (remote,) = [p for p in flow["room_participants"] if p["peerId"] == peer]
    assert remote["videoFrames"] > 10 and remote["audioLevel"] > 0, remote
    # ICE ran on loopback, host to host (no learnt peer-reflexive address)
    assert after["pair"] == {"local": BROWSER_ADDRESS, "remote": BROWSER_ADDRESS, "remoteType": "host"}, flow


def check_mutes(mutes: dict[str, Any], field: str, name: str) -> None:
    muted, unmuted = mutes["room_saw"]
    assert (muted[field], unmuted[field]) == (1, 2), mutes  # the browser's mute and unmute reach the room
    seen_mute, seen_unmute = mutes["browser_saw"]
    assert (seen_mute["kind"], seen_unmute["kind"]) == ("mute", "unmute"), mutes  # and the room's reach it
    assert seen_mute["name"] == seen_unmute["name"] == name, mutes


def test_stanzajs_calls_the_room(scene: dict[str, Any]) -> None:
    call = scene["browser_calls_room"]
    js = scene["online"]["jid"]
    assert call["invite"]["peerId"] == js.split("/")[0]
    assert call["ringing"] is not None  # the room rang the caller with session-info <ringing/>
    assert call["created"]["peerId"] == js
    check_media(call["flow"], js)
    check_mutes(call["mutes"], "mic", "0")
    assert call["after_hold"] == {"session": "active", "room": 5}  # hold/active acknowledged, call still up
    # StanzaJS hung up: the room took it as a hang-up, not as a network loss (no terminate back)
    assert call["left"]["peerId"] == js
    assert call["room_terminates_after_hangup"] == []


def test_the_room_calls_stanzajs_without_jmi(scene: dict[str, Any]) -> None:
    call = scene["room_calls_browser"]
    js = scene["online"]["jid"]
    room_full = scene["contacts"]["room_full"]
    # StanzaJS has no JMI: the room read its caps and sent the session-initiate at once
    assert call["incoming"]["from"] == room_full
    assert call["messages"] == []  # and no JMI propose (or any message) before or during the call
    assert call["sent"]["confId"].startswith(call["incoming"]["sid"].replace("-", ""))
    assert call["created"]["conferenceOwner"] == room_full and call["created"]["peerId"] == js
    check_media(call["flow"], js)
    check_mutes(call["mutes"], "video", "1")
    # the room hung up: StanzaJS's session ended with <success/>
    (ended,) = call["terminated"]
    assert ended["reason"] == "success", call


def test_the_room_used_what_stanzajs_trickled(scene: dict[str, Any]) -> None:
    """StanzaJS trickles its candidates right after its session-initiate, while the room rings.

    Only the first call is checked for learnt addresses: when the room calls, StanzaJS's checks
    may legitimately overtake its own transport-info (aioice then upgrades the learnt candidate).
    """
    first_call = scene["room_output_first_call"]["lines"]
    assert not [line for line in first_call if "peer reflexive" in line], "candidates were learnt, not used"
    output = scene["room_output"]["lines"]
    assert not [line for line in output if "without remote description" in line]
    failures = [line for line in output if "Traceback" in line or line.split(" ", 1)[0] in ("ERROR", "CRITICAL")]
    assert failures == [], output[-30:]


def test_the_harness_is_only_what_we_wrote() -> None:
    """node_modules and the bundle live in the git-ignored cache, never in the repository."""
    source = Path(__file__).parent / "stanzajs"
    assert sorted(p.name for p in source.iterdir()) == ["harness.js", "package-lock.json", "package.json"]


def chromium_offer() -> str:
    """Chromium's own offer (tests/fixtures), with RED `a=fmtp:63 111/111` and DTMF `0-15`."""
    lines = (FIXTURES / "chromium_offer.sdp").read_text().splitlines()
    return "\r\n".join(line for line in lines if not line.startswith("#")) + "\r\n"


def test_stanzajs_and_the_room_agree_on_bare_token_codec_parameters(browser) -> None:  # noqa: F811
    """RED's `111/111` goes through StanzaJS's own SDP ↔ Jingle code and ours, both ways, intact."""
    bundle = ensure_bundle().read_text()
    page = browser.new_page()
    try:
        script = {"body": bundle, "content_type": "text/javascript"}
        page.route("http://localhost/harness/bundle.js", lambda r: r.fulfill(**script))
        page.route("http://localhost/harness/", lambda r: r.fulfill(body=INDEX, content_type="text/html"))
        page.goto("http://localhost/harness/")
        offer = chromium_offer()
        assert "a=fmtp:63 111/111\r\n" in offer
        # the room's Jingle, read by StanzaJS
        ours = sdp_to_jingle(offer, sid="s1", action="session-initiate", initiator="room@localhost/mr")
        iq = ET.Element("{jabber:client}iq", {"type": "set", "id": "x"})
        iq.append(ours)
        theirs_sdp = page.evaluate("(xml) => window.harness.jingleToSdp(xml)", ET.tostring(iq, encoding="unicode"))
        assert "a=fmtp:63 111/111\r\n" in theirs_sdp
        assert "undefined" not in theirs_sdp
        # StanzaJS's Jingle, read by the room
        theirs = ET.fromstring(page.evaluate("(sdp) => window.harness.sdpToJingle(sdp)", offer))
        sdp = jingle_to_sdp(theirs.find(q(JINGLE, "jingle")))
        assert "a=fmtp:63 111/111\r\n" in sdp
        assert "111/111=" not in sdp
    finally:
        page.close()
