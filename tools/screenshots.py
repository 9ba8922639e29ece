"""Takes the README screenshots of the main screen and the web manager (docs/screenshots/*.png).

Starts a real room on free loopback ports, drives Debian's Chromium with Playwright, stops the
room by its pid. For the in-call pictures it also starts a real Prosody (`meetroom dev-server`)
and a second room, and room 2 calls room 1 — everything on loopback.
Run: python tools/screenshots.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from meetroom.client import RoomClient  # noqa: E402
from tests.support.browser import launch  # noqa: E402
from tests.support.netroom import online  # noqa: E402
from tests.support.process import RoomProcess  # noqa: E402
from tests.support.prosody import ProsodyServer  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
PIN = "4321"
ICE = ["--ice-host", "127.0.0.1"]
ACCOUNTS = [("boardroom3", "screenshots-1"), ("lisbon", "screenshots-2")]


async def prepare(port: int) -> str:
    async with RoomClient("127.0.0.1", port) as client:
        await client.auth(PIN)
        await client.call("setSettings", settings={"displayName": "Boardroom 3"})
        reply = await client.call("setAuthParams", userType="user", authType="pin")
        return reply["newPin"]


async def start_call(port_1: int, port_2: int, server: ProsodyServer) -> None:
    """Both rooms log in and know each other by name; room 2 calls room 1, which answers."""
    async with RoomClient("127.0.0.1", port_1) as one, RoomClient("127.0.0.1", port_2) as two:
        await one.auth(PIN)
        await two.auth()
        await one.call("setSettings", settings={"displayName": "Boardroom 3"})
        await two.call("setSettings", settings={"displayName": "Lisbon office"})
        for client, (name, password) in zip((one, two), ACCOUNTS, strict=True):
            await online(client, server, name, password)
        await one.call("addToAbook", peerId=f"{ACCOUNTS[1][0]}@localhost", peerDn="Lisbon office")
        await two.call("addToAbook", peerId=f"{ACCOUNTS[0][0]}@localhost", peerDn="Boardroom 3")
        await one.wait_event("usersStatusesChanged", timeout=10)
        assert (await two.call("call", peerId=ACCOUNTS[0][0]))["result"] is True
        await one.wait_event("inviteReceived", timeout=10)
        assert (await one.call("accept"))["result"] is True
        await one.wait_event("conferenceCreated", timeout=15)


def wait_frames(page, peers: int) -> None:
    """Until `peers` slots have drawn a few frames (polled: the page's CSP forbids wait_for_function)."""
    script = f"Object.values(window.screenStats.frames).filter((n) => n > 5).length >= {peers}"
    for _ in range(200):
        if page.evaluate(script):
            return
        page.wait_for_timeout(100)
    raise TimeoutError("the screen drew no video")


def call_shots(browser, data: Path) -> None:
    """screen-call.png and manager-call.png: room 1 in a call with room 2."""
    server = ProsodyServer(data / "prosody", users=ACCOUNTS).start()
    rooms = []
    try:
        rooms = [
            RoomProcess(data / "room1", ["--pin", PIN, *ICE]).start(),
            RoomProcess(data / "room2", ICE).start(),
        ]
        # asyncio.run in a thread of its own: Playwright's sync API owns this thread's loop
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, start_call(rooms[0].http_port, rooms[1].http_port, server)).result(90)
        base = f"http://127.0.0.1:{rooms[0].http_port}"
        screen = browser.new_page(viewport={"width": 1280, "height": 720})
        screen.goto(f"{base}/screen")
        screen.wait_for_selector("body.in-call[data-ready='1']")
        wait_frames(screen, 2)
        screen.screenshot(path=OUT / "screen-call.png")

        manager = browser.new_page(viewport={"width": 1280, "height": 860})
        manager.goto(f"{base}/#call")
        manager.fill("#credentials", PIN)
        manager.click("#signin")
        manager.wait_for_selector("body[data-ready='admin']")
        manager.wait_for_selector("#call-people li >> nth=1")
        manager.wait_for_timeout(300)
        manager.screenshot(path=OUT / "manager-call.png")
    finally:
        for room in rooms:
            room.stop()
        server.stop()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data:
        room = RoomProcess(Path(data), ["--pin", PIN]).start()
        try:
            asyncio.run(prepare(room.http_port))
            base = f"http://127.0.0.1:{room.http_port}"
            with sync_playwright() as pw:
                browser = launch(pw)
                screen = browser.new_page(viewport={"width": 1280, "height": 720})
                screen.goto(f"{base}/screen")
                screen.wait_for_selector("body[data-ready='1']")
                while not screen.evaluate("Object.values(window.screenStats.frames).some((n) => n > 5)"):
                    screen.wait_for_timeout(100)  # the page's CSP forbids wait_for_function's eval
                screen.screenshot(path=OUT / "screen-idle.png")

                manager = browser.new_page(viewport={"width": 1280, "height": 860})
                manager.goto(base)
                manager.fill("#credentials", PIN)
                manager.click("#signin")
                manager.wait_for_selector("body[data-ready='admin']")
                for section in ("status", "screen", "security"):
                    manager.click(f"#nav-{section}")
                    manager.wait_for_timeout(300)
                    manager.screenshot(path=OUT / f"manager-{section}.png")

                phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
                phone.goto(f"{base}/#call")
                phone.fill("#credentials", PIN)
                phone.click("#signin")  # takes the admin slot over from the desktop page
                phone.wait_for_selector("body[data-ready='admin']")
                phone.screenshot(path=OUT / "manager-phone.png")
                room.stop()
                call_shots(browser, Path(data))
                browser.close()
        finally:
            room.stop()
    for path in sorted(OUT.glob("*.png")):
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
