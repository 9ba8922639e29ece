"""The main screen page in real headless Chromium: no credentials, no control slot, live widgets."""

from __future__ import annotations

import asyncio
import io
import json
from concurrent.futures import ThreadPoolExecutor

import aiohttp
from PIL import Image
from playwright.sync_api import expect

from meetroom.core.origins import OriginKind
from meetroom.web.screen import screen_refusal
from tests.support.browser import api, browser, context  # noqa: F401  (fixtures)
from tests.support.ports import free_ports

ADMIN_PIN = "1234"


def screen_url(room) -> str:
    return f"http://127.0.0.1:{room.http_port}/screen"


def test_screen_needs_no_credentials_and_takes_no_control_slot(room_factory, context, api):  # noqa: F811
    room = room_factory("--pin", ADMIN_PIN)
    admin = api(room, ADMIN_PIN)
    user = api(room, role="user")  # user mode is unsecured: allowed on loopback

    page = context.new_page()
    page.goto(screen_url(room))
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(page.locator("#w-time")).to_be_visible()
    expect(page.locator("#w-connect .manager-url")).to_have_text(f"http://127.0.0.1:{room.http_port}/")

    # Both control slots stay with their clients: they keep working and were never told to re-auth.
    assert admin.call("getInfoWidgetsState")["result"] in (True, False)  # answered, connection alive
    assert admin.call("getAuthInfo")["result"] is True
    assert user.call("getAppState")["result"] is True
    assert admin.named("authorizationNeeded") == [] and user.named("authorizationNeeded") == []

    # Self view is live (frames keep arriving through /frames/) and follows videoMatrixChanged.
    tile = page.locator('#matrix figure[data-peer="#self:0"]')
    expect(tile).to_be_visible()
    drawn = "window.screenStats.frames['#self:0'] || 0"
    first = page.evaluate(drawn)
    for _ in range(50):
        if page.evaluate(drawn) >= first + 5:
            break
        page.wait_for_timeout(100)
    assert page.evaluate(drawn) >= first + 5
    assert admin.call("hideVideoSlot", callId="#self:0")["result"] is True
    expect(tile).to_have_count(0)
    assert admin.call("showVideoSlot", callId="#self:0")["result"] is True
    expect(tile).to_be_visible()

    # The user PIN appears in the connection info once the administrator sets one.
    pin = admin.call("setAuthParams", userType="user", authType="pin")["newPin"]
    expect(page.locator("#w-connect .user-pin")).to_have_text(pin)
    expect(page.locator("#w-connect .manager-url")).to_have_text(f"http://127.0.0.1:{room.http_port}/{pin}")
    page.close()


def test_widgets_switched_in_the_manager_change_the_screen(room_factory, context):  # noqa: F811
    room = room_factory("--pin", ADMIN_PIN)
    screen = context.new_page()
    screen.goto(screen_url(room))
    expect(screen.locator("body")).to_have_attribute("data-ready", "1")
    manager = context.new_page()
    manager.goto(f"http://127.0.0.1:{room.http_port}/#screen")
    manager.fill("#credentials", ADMIN_PIN)
    manager.click("#signin")
    expect(manager.locator("body")).to_have_attribute("data-ready", "admin")

    for setting, widget in (("showTime", "#w-time"), ("showInfoConnect", "#w-connect"), ("showLogo", "#logo")):
        toggle = manager.locator(f"#sec-screen input[data-setting={setting}]")
        expect(screen.locator(widget)).to_be_visible()
        toggle.uncheck()
        expect(screen.locator(widget)).to_be_hidden()
        toggle.check()
        expect(screen.locator(widget)).to_be_visible()

    # The master switch hides every information widget but leaves the logo alone.
    manager.locator("#sec-screen input[data-setting=showInfoWidgets]").uncheck()
    expect(screen.locator("#w-time")).to_be_hidden()
    expect(screen.locator("#w-user")).to_be_hidden()
    expect(screen.locator("#logo")).to_be_visible()
    manager.close()
    screen.close()


async def _screen_socket(port: int, origin: str | None, messages: list[dict]) -> tuple[int, list[dict]]:
    headers = {"Origin": origin} if origin else {}
    async with aiohttp.ClientSession() as http:
        try:
            ws = await http.ws_connect(f"http://127.0.0.1:{port}/screen/ws", headers=headers)
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status, []
        replies = []
        async with ws:
            for message in messages:
                await ws.send_str(json.dumps(message))
            while len(replies) < len(messages):
                frame = json.loads((await ws.receive(timeout=5)).data)
                if frame.get("method") != "event":
                    replies.append(frame)
        return 101, replies


def _run(coro):
    """asyncio.run in a thread of its own: Playwright's sync API owns this thread's loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result(30)


def test_screen_channel_refuses_other_sites_and_other_commands(room_factory):
    room = room_factory("--pin", ADMIN_PIN)
    status, _ = _run(_screen_socket(room.http_port, "http://evil.example", []))
    assert status == 403
    asks = [
        {"method": "setSettings", "requestId": "1", "settings": {"showTime": False}},
        {"method": "setAuthParams", "requestId": "2", "userType": "admin", "authType": "unsecured"},
        {"method": "getSettings", "requestId": "3"},
        {"method": "getScreenToken", "requestId": "4"},
        {"method": "accept", "requestId": "5"},
    ]
    status, replies = _run(_screen_socket(room.http_port, f"http://127.0.0.1:{room.http_port}", asks))
    assert status == 101
    by_id = {r["requestId"]: r for r in replies}
    assert by_id["1"]["result"] is False and "may not use" in by_id["1"]["error"]
    assert by_id["2"]["result"] is False and "may not use" in by_id["2"]["error"]
    assert by_id["3"]["result"] is True and any(s["name"] == "showTime" and s["value"] for s in by_id["3"]["settings"])
    assert by_id["4"]["result"] is True and by_id["4"]["token"]
    assert "result" in by_id["5"]  # reaches the real handler (an error while calls do not exist)


def test_remote_screen_needs_the_setting():
    assert screen_refusal("127.0.0.1", OriginKind.NONE, False) is None
    assert screen_refusal("::1", OriginKind.OWN, False) is None
    assert screen_refusal("::ffff:127.0.0.1", OriginKind.OWN, False) is None
    assert "only on the room" in screen_refusal("192.168.1.20", OriginKind.NONE, False)
    assert screen_refusal("192.168.1.20", OriginKind.OWN, True) is None
    assert "own HTTP server" in screen_refusal("127.0.0.1", OriginKind.FOREIGN, False)


def test_a_null_origin_is_never_a_screen():
    # a sandboxed iframe of any web site sends Origin null; the screen is always the room's own page
    assert "own HTTP server" in screen_refusal("127.0.0.1", OriginKind.FILE, False)
    assert "own HTTP server" in screen_refusal("127.0.0.1", OriginKind.FILE, True)


def _png(path, size, color) -> str:
    Image.new("RGB", size, color).save(path)
    return str(path)


def _pixel(page, x: int, y: int) -> tuple[int, int, int]:
    return Image.open(io.BytesIO(page.screenshot())).convert("RGB").getpixel((x, y))


def _near(actual, wanted, tolerance: int = 12) -> bool:
    return all(abs(a - w) <= tolerance for a, w in zip(actual, wanted, strict=True))


def test_background_and_logo_uploaded_in_the_manager_appear_on_the_screen(room_factory, context, tmp_path):  # noqa: F811
    room = room_factory("--pin", ADMIN_PIN)
    screen = context.new_page()
    screen.goto(screen_url(room))
    expect(screen.locator("body")).to_have_attribute("data-background", "default")
    spot = (640, 330)  # free of widgets and of the self-view tile
    default_colour = _pixel(screen, *spot)

    manager = context.new_page()
    manager.goto(f"http://127.0.0.1:{room.http_port}/#screen")
    manager.fill("#credentials", ADMIN_PIN)
    manager.click("#signin")
    expect(manager.locator("body")).to_have_attribute("data-ready", "admin")

    magenta, green = (230, 40, 150), (20, 220, 60)
    manager.set_input_files("#bg-file", _png(tmp_path / "bg.png", (320, 180), magenta))
    manager.click("#bg-upload")
    expect(manager.locator("#bg-state")).to_contain_text("Custom image")
    expect(screen.locator("body")).not_to_have_attribute("data-background", "default")
    assert _near(_pixel(screen, *spot), magenta), _pixel(screen, *spot)
    assert not _near(default_colour, magenta)

    manager.set_input_files("#logo-file", _png(tmp_path / "logo.png", (120, 40), green))
    manager.select_option("#logo-mode", "1")
    manager.click("#logo-upload")
    expect(screen.locator("body")).not_to_have_attribute("data-logo", "default")
    box = screen.locator("#logo img").bounding_box()
    assert round(box["width"]) == 120 and round(box["height"]) == 40  # mode 1: unscaled
    assert _near(_pixel(screen, int(box["x"] + 60), int(box["y"] + 20)), green)

    # A file that is not a picture is refused, with the reason beside the upload button.
    (tmp_path / "notes.png").write_text("not an image")
    manager.set_input_files("#bg-file", str(tmp_path / "notes.png"))
    manager.click("#bg-upload")
    expect(manager.locator(".row", has=manager.locator("#bg-upload")).locator(".error")).not_to_be_empty()
    assert _near(_pixel(screen, *spot), magenta)

    manager.click("#bg-reset")
    expect(screen.locator("body")).to_have_attribute("data-background", "default")
    assert _near(_pixel(screen, *spot), default_colour)
    manager.close()
    screen.close()


def test_screen_reconnects_after_the_room_restarts(room_factory, context):  # noqa: F811
    ws_port, http_port = free_ports(2)
    room = room_factory("--wsport", str(ws_port), "--httpport", str(http_port))
    page = context.new_page()
    page.goto(screen_url(room))
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    room.stop()
    expect(page.locator("#offline")).to_be_visible()
    room.start()
    expect(page.locator("body")).to_have_attribute("data-ready", "1", timeout=15000)
    expect(page.locator("#offline")).to_be_hidden()
    page.close()
