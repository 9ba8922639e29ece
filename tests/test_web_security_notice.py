"""The owner sees a guessing attack in the web manager's Security section (issue 13, item 4)."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import expect

from tests.support.browser import browser, context  # noqa: F401  (fixtures)
from tests.support.raw_ws import RawWebSocket

PIN = "2468"


async def guess_from_many_addresses(port: int, count: int) -> None:
    for i in range(count):
        ws = await RawWebSocket.connect("127.0.0.1", port, source=f"127.0.7.{1 + i // 2}")
        try:
            await ws.exchange(json.dumps({"method": "auth", "type": "secured", "credentials": f"{i:06d}"}))
        finally:
            await ws.close()


def test_security_section_shows_an_attack_notice(room_factory, context):  # noqa: F811
    room = room_factory("--pin", PIN)
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{room.http_port}/")
    page.fill("#credentials", PIN)
    page.click("#signin")
    expect(page.locator("body")).to_have_attribute("data-ready", "admin")
    page.click("#nav-security")
    expect(page.locator("#auth-attack")).to_be_hidden()  # nothing to report yet
    page.close()

    with ThreadPoolExecutor(1) as pool:  # playwright's loop runs in this thread; the guesses get their own
        pool.submit(asyncio.run, guess_from_many_addresses(room.ws_port, 40)).result(timeout=60)  # 2x the budget

    # the owner signs in from the room PC during the attack and is told about it
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{room.http_port}/")
    page.fill("#credentials", PIN)
    page.click("#signin")
    expect(page.locator("body")).to_have_attribute("data-ready", "admin")
    page.click("#nav-security")
    notice = page.locator("#auth-attack")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Someone is guessing credentials")
    expect(notice).to_contain_text("127.0.7.")
    page.close()
