"""The web manager in a real call: ask for the far camera and steer it with the arrow pad, send
tones from the dial pad, and record the call with the other room allowing it from its own manager."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.support.browser import api, browser, context  # noqa: F401  (fixtures)
from tests.support.calls import ICE
from tests.support.netroom import online
from tests.support.prosody import new_account, prosody  # noqa: F401  (fixture)


def _manager(context, proc):  # noqa: F811
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{proc.http_port}/#call")
    page.select_option("#login-role", "user")
    page.click("#unsecured")
    expect(page.locator("body")).to_have_attribute("data-ready", "user")
    return page


def test_far_camera_dial_pad_and_recording_from_the_manager(prosody, room_factory, context, api):  # noqa: F811
    rooms = []
    for name in ("alpha", "bravo"):
        account, password = new_account(prosody, "m")
        proc = room_factory(*ICE, name=name)
        client = api(proc)
        client.loop.run(online(client.client, prosody, account, password), timeout=40)
        rooms.append((proc, client, f"{account}@localhost"))
    (proc_a, api_a, _), (proc_b, api_b, id_b) = rooms
    manager_a = _manager(context, proc_a)
    manager_b = _manager(context, proc_b)
    expect(manager_a.locator("#farcam-ask")).to_be_disabled()  # no call yet

    assert api_a.call("call", peerId=id_b)["result"] is True
    api_b.wait_event("inviteReceived", timeout=10)
    assert api_b.call("accept")["result"] is True
    b_full = api_a.wait_event("newParticipantInConference", timeout=15)["peerId"]
    a_full = api_b.wait_event("newParticipantInConference", timeout=15)["peerId"]
    expect(manager_a.locator("#meeting-peer")).to_have_value(b_full, timeout=10000)

    # the far camera: ask, B's manager allows, the arrow pad zooms B's camera in
    pad_zoom = manager_a.locator('#farcam-pad [data-method="remotelyControlledCameraPtzZoomInc"]')
    expect(pad_zoom).to_be_disabled()
    manager_a.click("#farcam-ask")
    ask = manager_b.locator(f'#farcam-asks li[data-peer="{a_full}"]')
    expect(ask).to_be_visible(timeout=10000)
    ask.locator('[data-answer="allow"]').click()
    expect(ask).to_have_count(0)
    expect(manager_a.locator("#farcam-state")).to_contain_text("You control", timeout=10000)
    for _ in range(3):
        expect(pad_zoom).to_be_enabled()
        pad_zoom.click()
    expect(pad_zoom).to_be_enabled()
    assert api_b.call("getPtzControls")["zoom"]["currentValue"] == 160
    manager_a.locator('#farcam-pad [data-method="remotelyControlledCameraPtzLeft"]').click()
    api_b.wait_event("ptzControlsChanged", lambda e: e["pan"]["currentValue"] == -10)

    # the dial pad: the keys reach B in order; a tone from B shows as received on A's page
    for key in "12#":
        button = manager_a.locator(f'#dial-pad [data-key="{key}"]')
        expect(button).to_be_enabled()
        button.click()
    got = [api_b.wait_event("toneDial", timeout=5)["symbol"] for _ in range(3)]
    assert got == ["1", "2", "#"]
    assert api_b.call("toneDial", callId=a_full, symbol="9")["result"] is True
    expect(manager_a.locator("#tones-received")).to_have_text("9")

    # recording: A starts, B's manager allows, A stops and the file is listed
    manager_a.click("#record-start")
    allow = manager_b.locator(f'#record-asks li[data-peer="{a_full}"] [data-answer="allow"]')
    expect(allow).to_be_visible(timeout=10000)
    allow.click()
    expect(manager_a.locator("#record-state")).to_have_text("Recording…", timeout=10000)
    expect(manager_b.locator("#record-state")).to_contain_text("is recording this room")
    manager_a.wait_for_timeout(1000)
    manager_a.click("#record-stop")
    expect(manager_a.locator("#record-state")).to_contain_text("Saved as recording-", timeout=10000)
    saved = api_a.wait_event("recordingStopped")
    assert {"fileId": saved["fileId"], "fileName": saved["fileName"]} in api_a.call("getFileList")["fileList"]

    # the end of the call takes the camera control away
    assert api_b.call("hangUp")["result"] is True
    expect(manager_a.locator("#farcam-state")).to_contain_text("no longer under your control", timeout=10000)
    expect(manager_a.locator("#farcam-ask")).to_be_disabled()
    for page in (manager_a, manager_b):
        page.close()
