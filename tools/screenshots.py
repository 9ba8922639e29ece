"""Takes the README screenshots of the main screen and the web manager (docs/screenshots/*.png).

Starts a real room on free loopback ports, drives Debian's Chromium with Playwright, stops the
room by its pid. Run: python tools/screenshots.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from meetroom.client import RoomClient  # noqa: E402
from tests.support.browser import launch  # noqa: E402
from tests.support.process import RoomProcess  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
PIN = "4321"


async def prepare(port: int) -> str:
    async with RoomClient("127.0.0.1", port) as client:
        await client.auth(PIN)
        await client.call("setSettings", settings={"displayName": "Boardroom 3"})
        reply = await client.call("setAuthParams", userType="user", authType="pin")
        return reply["newPin"]


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
                for section in ("status", "call", "screen", "security"):
                    manager.click(f"#nav-{section}")
                    manager.wait_for_timeout(300)
                    manager.screenshot(path=OUT / f"manager-{section}.png")

                phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
                phone.goto(f"{base}/#call")
                phone.fill("#credentials", PIN)
                phone.click("#signin")  # takes the admin slot over from the desktop page
                phone.wait_for_selector("body[data-ready='admin']")
                phone.screenshot(path=OUT / "manager-phone.png")
                browser.close()
        finally:
            room.stop()
    for path in sorted(OUT.glob("*.png")):
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
