"""The API guide's example (examples/call.html) in headless Chromium: Call → the confId appears."""

from __future__ import annotations

from pathlib import Path

from tests.support.browser import api, browser, context  # noqa: F401
from tests.support.calls import ICE
from tests.support.prosody import new_account, prosody  # noqa: F401

PAGE = Path(__file__).resolve().parents[1] / "examples" / "call.html"


def log_in(client, server, name: str, password: str) -> None:
    assert client.call("connectToServer", server="127.0.0.1", port=server.port)["result"] is True
    client.wait_event("serverConnected", timeout=10)
    assert client.call("login", login=name, password=password)["result"] is True
    client.wait_event("appStateChanged", lambda e: e["appState"] == 3, timeout=15)


def test_example_page_calls_a_room_that_accepts(prosody, room_factory, api, context):  # noqa: F811
    (a_name, a_pw), (b_name, b_pw) = new_account(prosody, "pa"), new_account(prosody, "pb")
    room_a, room_b = room_factory(*ICE, name="page-a"), room_factory(*ICE, name="page-b")
    a, b = api(room_a), api(room_b)
    log_in(a, prosody, a_name, a_pw)
    log_in(b, prosody, b_name, b_pw)

    page = context.new_page()
    page.goto(f"{PAGE.as_uri()}?ws={room_a.ws_port}")
    page.wait_for_function("document.getElementById('state').textContent === '3'")
    page.fill("#peerId", f"{b_name}@localhost")
    page.click("#callButton")
    b.wait_event("inviteReceived", timeout=10)
    assert b.call("accept")["result"] is True
    # the page took room A's control slot (A's own client was told authorizationNeeded): B tells the confId
    created = b.wait_event("conferenceCreated", timeout=15)
    page.wait_for_function(f"document.getElementById('confId').textContent === {created['confId']!r}")
    assert page.text_content("#state") == "5"
    page.click("#hangUpButton")
    b.wait_event("conferenceDeleted", timeout=10)
    page.wait_for_function("document.getElementById('confId').textContent === 'none'")
    page.close()
