"""Real headless Chromium (Debian's /usr/bin/chromium) for the web page tests, plus API clients
that run on a background event loop so the synchronous Playwright API can drive the browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import threading
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest

from meetroom.client import RoomClient
from tests.support.schema import SchemaRecorder

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # names resolve to nothing but localhost: a page can reach no host off this machine
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
T = TypeVar("T")


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module; each test opens its own pages (and closes them)."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail("Debian's chromium is required for the web tests (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    ctx.set_default_timeout(8000)
    yield ctx
    ctx.close()


class Loop:
    """An asyncio loop in a thread: `loop.run(coro)` waits for the coroutine's result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 15.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class SyncClient:
    """A schema-checked RoomClient used from synchronous test code; it records every event."""

    def __init__(self, loop: Loop, recorder: SchemaRecorder, http_port: int) -> None:
        self.loop = loop
        self.events: list[dict[str, Any]] = []

        def hook(message: dict[str, Any]) -> None:
            recorder(message)
            if message.get("method") == "event":
                self.events.append(message)

        self.client = RoomClient("127.0.0.1", http_port, on_message=hook)

    def connect(self, credentials: str | None = None, role: str | None = None) -> SyncClient:
        self.loop.run(self.client.connect())
        self.loop.run(self.client.auth(credentials, role))
        return self

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        return self.loop.run(self.client.call(method, **params))

    def wait_event(self, name: str, predicate: Any = None, timeout: float = 8.0) -> dict[str, Any]:
        return self.loop.run(self.client.wait_event(name, predicate, timeout), timeout + 2)

    def named(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("event") == name]

    def close(self) -> None:
        self.loop.run(self.client.close())


@pytest.fixture
def api(schema: SchemaRecorder) -> Iterator[Any]:
    """`api(room, credentials=None, role=None)` gives a connected, authorised SyncClient."""
    loop = Loop()
    clients: list[SyncClient] = []

    def make(room: Any, credentials: str | None = None, role: str | None = None) -> SyncClient:
        client = SyncClient(loop, schema, room.http_port)
        clients.append(client)
        return client.connect(credentials, role)

    yield make
    for client in clients:
        with contextlib.suppress(Exception):  # a room stopped by the test may already be gone
            client.close()
    loop.stop()
