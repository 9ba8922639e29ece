"""The web manager in real headless Chromium against a real room process."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.browser import api, browser, context  # noqa: F401  (fixtures)

ADMIN_PIN = "1234"


def manager_url(room, path: str = "/") -> str:
    return f"http://127.0.0.1:{room.http_port}{path}"


def test_admin_pin_login_settings_and_errors_beside_controls(room_factory, context, api):  # noqa: F811
    room = room_factory("--pin", ADMIN_PIN)
    page = context.new_page()
    page.goto(manager_url(room))

    # A wrong PIN is refused with the room's error next to the sign-in form.
    page.fill("#credentials", "999999")
    page.click("#signin")
    expect(page.locator("#login-error")).to_contain_text("wrong credentials")
    expect(page.locator("#app")).to_be_hidden()

    page.fill("#credentials", ADMIN_PIN)
    page.press("#credentials", "Enter")  # keyboard only
    expect(page.locator("body")).to_have_attribute("data-ready", "admin")
    expect(page.locator("#role-badge")).to_have_text("Administrator")
    expect(page.locator("#nav a")).to_have_text(
        ["Status", "Call", "Meetings", "Devices", "Screen", "Server & account", "Security", "Files"]
    )

    # The page changes a setting; another client (user mode, loopback) sees settingsChanged.
    watcher = api(room, role="user")
    page.click("#nav-screen")
    clock = page.locator("#sec-screen input[data-setting=showTime]")
    expect(clock).to_be_checked()
    clock.uncheck()
    assert watcher.wait_event("settingsChanged", lambda e: e["name"] == "showTime")["value"] is False

    # A change made elsewhere reaches the page without a reload.
    assert watcher.call("setSettings", settings={"autoAccept": True})["result"] is True
    page.click("#nav-call")
    expect(page.locator("#sec-call input[data-setting=autoAccept]")).to_be_checked()
    status_log = page.locator("#event-log li", has_text="autoAccept")
    expect(status_log.first).to_contain_text("settingsChanged")

    # An API error shows beside the control that caused it, and nothing else changes.
    page.click("#nav-security")
    port_input = page.locator("#http-httpServerPort")
    port_input.fill("0")
    port_row = page.locator(".row", has=port_input)
    port_row.get_by_role("button", name="Save").click()
    expect(port_row.locator(".error")).to_contain_text("httpServerPort")
    # A command that is not implemented yet says so beside its button.
    page.click("#nav-call")
    page.fill("#dial-peer", "alice")
    page.click("#dial")
    expect(page.locator(".row", has=page.locator("#dial")).locator(".error")).not_to_be_empty()
    page.close()


def test_user_mode_cannot_see_or_reach_admin_sections(room_factory, context, api):  # noqa: F811
    room = room_factory("--pin", ADMIN_PIN)
    admin = api(room, ADMIN_PIN)
    user_pin = admin.call("setAuthParams", userType="user", authType="pin")["newPin"]

    page = context.new_page()
    page.goto(manager_url(room, f"/{user_pin}#security"))  # the direct user link, asking for an admin section
    expect(page.locator("body")).to_have_attribute("data-ready", "user")
    expect(page.locator("#role-badge")).to_have_text("User")
    expect(page.locator("#nav a")).to_have_text(["Status", "Call", "Meetings", "Devices", "Files"])
    for section in ("security", "screen", "server"):
        assert page.locator(f"#sec-{section}").count() == 0
    expect(page.locator("#sec-denied")).to_be_visible()
    expect(page.locator("#sec-denied")).to_contain_text("administrator")

    # Even a hand-made request from the page is refused by the room itself.
    reply = page.evaluate("window.manager.api.call('setAuthParams', {userType: 'admin', authType: 'unsecured'})")
    assert reply["result"] is False
    assert admin.call("getAuthInfo")["adminAuth"]["security"] == "pin"
    page.close()


def test_takeover_is_explained_and_generated_pin_shown_once(room_factory, context, api):  # noqa: F811
    room = room_factory("--pin", ADMIN_PIN)
    page = context.new_page()
    page.goto(manager_url(room))
    page.fill("#credentials", ADMIN_PIN)
    page.click("#signin")
    expect(page.locator("body")).to_have_attribute("data-ready", "admin")

    # Protect user mode with a generated PIN: it is shown once, and it really works.
    page.click("#nav-security")
    page.select_option("#auth-user-kind", "pin")
    page.click("#auth-user-apply")
    pin_box = page.locator("#new-pin")
    expect(pin_box).to_be_visible()
    pin = pin_box.locator(".pin").inner_text()
    assert re.fullmatch(r"[A-Za-z0-9]{4,32}", pin)
    user = api(room, pin)
    assert user.client.role == "user"
    pin_box.get_by_role("button", name="Done").click()
    expect(pin_box).to_be_hidden()
    assert pin not in page.locator("#sec-security").inner_text()

    # Another administrator signs in: the page explains why it lost control.
    api(room, ADMIN_PIN)
    expect(page.locator("#notice")).to_contain_text("Another client signed in")
    expect(page.locator("#app")).to_be_hidden()
    page.click("#notice .notice-action")
    expect(page.locator("#login")).to_be_visible()
    page.close()
