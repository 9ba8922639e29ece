"""The web manager shares the slideshow in a real call: the other room receives the content."""

from __future__ import annotations

from playwright.sync_api import expect

from meetroom.calls.content import content_slot
from tests.support.browser import api, browser, context  # noqa: F401  (fixtures)
from tests.support.calls import ICE
from tests.support.media import png_bytes, upload
from tests.support.netroom import online
from tests.support.prosody import new_account, prosody  # noqa: F401  (fixture)


def test_share_the_slideshow_from_the_manager(prosody, room_factory, context, api):  # noqa: F811
    rooms = []
    for name in ("alpha", "bravo"):
        account, password = new_account(prosody, "w")
        proc = room_factory(*ICE, name=name)
        client = api(proc)
        client.loop.run(online(client.client, prosody, account, password), timeout=40)
        rooms.append((proc, client, f"{account}@localhost"))
    (proc_a, api_a, _), (_, api_b, id_b) = rooms
    status, body, headers = api_a.loop.run(
        upload(proc_a.http_port, api_a.client.http_token, png_bytes(320, 180, (40, 60, 220)), "slide.png"), timeout=10
    )
    assert status == 200, body
    assert api_a.call("addSlide", fileId=int(headers["FileId"]))["result"] is True

    page = context.new_page()
    page.goto(f"http://127.0.0.1:{proc_a.http_port}/#call")
    page.select_option("#login-role", "user")
    page.click("#unsecured")
    expect(page.locator("body")).to_have_attribute("data-ready", "user")
    expect(page.locator("#content-share")).to_be_disabled()  # no call yet

    assert api_a.call("call", peerId=id_b)["result"] is True
    api_b.wait_event("inviteReceived", timeout=10)
    assert api_b.call("accept")["result"] is True
    api_a.wait_event("newParticipantInConference", timeout=15)
    a_full = api_b.wait_event("newParticipantInConference", timeout=15)["peerId"]

    expect(page.locator("#content-source")).to_have_value("1")  # the slideshow comes first
    expect(page.locator("#content-share")).to_be_enabled(timeout=10000)
    page.click("#content-share")
    expect(page.locator("#content-state")).to_contain_text("Sharing Slideshow", timeout=10000)
    flow = api_b.wait_event("extraVideoFlowNotify", timeout=15)
    assert flow["peerId"] == a_full and flow["extraVideo"] == 1
    slots = [p["peerId"] for p in api_b.call("getVideoMatrix")["participants"]]
    assert content_slot(a_full) in slots

    expect(page.locator("#content-stop")).to_be_enabled()
    page.click("#content-stop")
    expect(page.locator("#content-state")).to_have_text("Not sharing.", timeout=10000)
    assert api_b.wait_event("extraVideoFlowNotify", timeout=10)["extraVideo"] == 0
    assert api_a.call("hangUp")["result"] is True
