"""`meetroom demo` end to end: start it, read the addresses it prints, call the peer through the room's
API, see live video both ways, open the main screen, stop the demo by its pid (everything stops)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import quote

import numpy as np
from playwright.sync_api import expect

from meetroom.client import RoomClient
from tests.support.browser import Loop, SyncClient, browser, context  # noqa: F401  (fixtures)
from tests.support.calls import wait_state
from tests.support.media import get
from tests.support.process import stop_by_pid

READY_TIMEOUT = 60.0


class DemoProcess:
    def __init__(self, directory) -> None:
        cmd = [sys.executable, "-m", "meetroom", "demo", "--dir", str(directory)]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: list[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("demo ready"):
                self.ready.set()
        self.ready.set()

    def value(self, pattern: str) -> re.Match[str]:
        for line in self.lines:
            if found := re.match(pattern, line):
                return found
        raise AssertionError(f"no line like {pattern!r} in:\n" + "\n".join(self.lines))


def stop_demo(demo: DemoProcess) -> int:
    """SIGTERM to the demo's pid (it stops its children by theirs); its exit code."""
    if demo.proc.poll() is None:
        os.kill(demo.proc.pid, signal.SIGTERM)
    try:
        return demo.proc.wait(40)
    finally:
        stop_by_pid(demo.proc)


def refused(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


async def frame(http_port: int, token: str, peer: str) -> tuple[np.ndarray, int]:
    from io import BytesIO

    from PIL import Image

    url = f"http://127.0.0.1:{http_port}/frames/?peerId={quote(peer)}&token={quote(token)}"
    deadline = time.monotonic() + 10
    while True:
        status, body, headers = await get(url)
        if status == 200 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    assert status == 200, body
    return np.asarray(Image.open(BytesIO(body)).convert("RGB")), int(headers["X-Frame-Seq"])


async def live(http_port: int, token: str, peer: str) -> None:
    """A real picture (not a flat placeholder) whose sequence number advances: live video."""
    first, seq = await frame(http_port, token, peer)
    assert first.std() > 10, "a flat picture is not the test pattern"
    deadline = time.monotonic() + 5
    while (later := await frame(http_port, token, peer))[1] <= seq and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert later[1] > seq


async def test_demo_gives_a_call_with_live_video_both_ways(tmp_path):
    demo = DemoProcess(tmp_path / "demo")
    clients: list[RoomClient] = []
    try:
        assert await asyncio.to_thread(demo.ready.wait, READY_TIMEOUT)
        assert demo.proc.poll() is None, "\n".join(demo.lines)
        manager = demo.value(r"web manager: (http://127\.0\.0\.1:(\d+)/)#call$")
        room_http = int(manager[2])
        screen = demo.value(r"main screen: (http://\S+)$")[1]
        xmpp_port = int(demo.value(r"XMPP server: 127\.0\.0\.1:(\d+) ")[1])
        peer_http = int(demo.value(r"peer: .*its web manager http://127\.0\.0\.1:(\d+)/\?cfg=peer$")[1])
        assert screen == f"http://127.0.0.1:{room_http}/screen"

        status, body, _ = await get(manager[1])
        assert status == 200 and b"meetroom" in body
        status, body, _ = await get(screen)
        assert status == 200

        room = RoomClient("127.0.0.1", room_http)
        clients.append(room)
        await room.connect()
        await room.auth()
        login = await room.call("getLogin")
        assert login["isLoggedIn"] is True and login["peerId"] == "demo@localhost"
        abook = (await room.call("getAbook"))["abook"]
        assert [c["peerDn"] for c in abook if c["peerId"] == "peer@localhost"] == ["Demo peer"]

        # the newcomer's one click: call the peer from the address book
        assert (await room.call("call", peerId="peer@localhost"))["result"] is True
        peer_full = (await room.wait_event("peerAccepted", timeout=20))["peerId"]
        await wait_state(room, 5, timeout=20)
        await live(room_http, room.http_token, peer_full)  # the peer's picture in the room

        peer = RoomClient("127.0.0.1", peer_http, instance="peer")
        clients.append(peer)
        await peer.connect()
        await peer.auth()
        participants = (await peer.call("getConferenceParticipants"))["participants"]
        room_full = next(p["peerId"] for p in participants if p["peerId"].startswith("demo@localhost/"))
        await live(peer_http, peer.http_token, room_full)  # and the room's picture at the peer
        assert (await room.call("hangUp"))["result"] is True
        await wait_state(room, 3)
    finally:
        for client in clients:
            with contextlib.suppress(Exception):
                await client.close()
        code = stop_demo(demo)
    assert code == 0, "\n".join(demo.lines)
    assert demo.lines[-1] == "demo stopped"
    for port in (room_http, peer_http, xmpp_port):  # all three children are gone
        assert refused(port), port


def test_the_printed_address_is_two_clicks_from_a_call(tmp_path, context, schema):  # noqa: F811
    """A newcomer opens what the demo printed, continues without credentials and presses Call."""
    demo = DemoProcess(tmp_path / "demo")
    loop = Loop()
    try:
        assert demo.ready.wait(READY_TIMEOUT) and demo.proc.poll() is None, "\n".join(demo.lines)
        manager = demo.value(r"web manager: (http://127\.0\.0\.1:(\d+)/#call)$")
        watcher = SyncClient(loop, schema, int(manager[2])).connect(role="user")  # the page takes the admin slot
        page = context.new_page()
        page.goto(manager[1])
        page.click("#unsecured")
        expect(page.locator("body")).to_have_attribute("data-ready", "admin")
        contact = page.locator("#abook li, #abook .row", has_text="Demo peer").first
        contact.get_by_role("button", name="Call").click()
        watcher.wait_event("appStateChanged", lambda e: e["appState"] == 5, timeout=20)
        assert watcher.call("getConferences")["direction"] == "outgoing"
        page.close()
        watcher.close()
    finally:
        code = stop_demo(demo)
        loop.stop()
    assert code == 0, "\n".join(demo.lines)
