"""The API guide's example (examples/call.html) in headless Chromium: Call → the confId appears.

The page works served by the room (/examples/call.html) with no opt-in, and opened from a file only
when the room allows file pages (a file page's Origin `null` is also what any site's sandboxed
iframe sends).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import api, browser, context  # noqa: F401
from tests.support.calls import ICE
from tests.support.prosody import new_account, prosody  # noqa: F401

PAGE = Path(__file__).resolve().parents[1] / "examples" / "call.html"


def log_in(client, server, name: str, password: str) -> None:
    assert client.call("connectToServer", server="127.0.0.1", port=server.port)["result"] is True
    client.wait_event("serverConnected", timeout=10)
    assert client.call("login", login=name, password=password)["result"] is True
    client.wait_event("appStateChanged", lambda e: e["appState"] == 3, timeout=15)


def page_url(room, opened_as: str) -> str:
    if opened_as == "served":
        return f"http://127.0.0.1:{room.http_port}/examples/call.html"  # the port comes from config.json
    return f"{PAGE.as_uri()}?ws={room.ws_port}"


@pytest.mark.parametrize("opened_as", ["served", "file"])
def test_example_page_calls_a_room_that_accepts(prosody, room_factory, api, context, opened_as):  # noqa: F811
    (a_name, a_pw), (b_name, b_pw) = new_account(prosody, "pa"), new_account(prosody, "pb")
    file_opt_in = ["--allow-file-pages"] if opened_as == "file" else []
    room_a, room_b = room_factory(*ICE, *file_opt_in, name="page-a"), room_factory(*ICE, name="page-b")
    a, b = api(room_a), api(room_b)
    log_in(a, prosody, a_name, a_pw)
    log_in(b, prosody, b_name, b_pw)

    page = context.new_page()
    page.goto(page_url(room_a, opened_as))
    expect(page.locator("#state")).to_have_text("3")
    page.fill("#peerId", f"{b_name}@localhost")
    page.click("#callButton")
    b.wait_event("inviteReceived", timeout=10)
    assert b.call("accept")["result"] is True
    # the page took room A's control slot (A's own client was told authorizationNeeded): B tells the confId
    created = b.wait_event("conferenceCreated", timeout=15)
    expect(page.locator("#confId")).to_have_text(created["confId"])
    assert page.text_content("#state") == "5"
    page.click("#hangUpButton")
    b.wait_event("conferenceDeleted", timeout=10)
    expect(page.locator("#confId")).to_have_text("none")
    page.close()


def test_example_page_opened_from_a_file_is_refused_without_the_opt_in(room_factory, context):  # noqa: F811
    room = room_factory()
    page = context.new_page()
    page.goto(page_url(room, "file"))
    expect(page.locator("#log")).to_contain_text("--allow-file-pages")
    assert page.text_content("#state") == "?"  # never signed in, so it never got the app state
    page.close()

    served = context.new_page()
    served.goto(page_url(room, "served"))
    expect(served.locator("#state")).to_have_text("0")
    served.close()
