"""Driver of tests/interop/test_stanzajs_calls.py, run inside a network namespace (`ip netns exec`).

It starts Prosody (meetroom dev-server, WebSocket endpoint on its HTTP port), one room and
Debian's Chromium with fake camera and microphone, where StanzaJS (a public XMPP library with its
own Jingle stack, tests/interop/stanzajs/harness.js) logs in over WebSocket. Then: StanzaJS calls
the room, the room calls StanzaJS; in each call media is measured both ways, mute goes both ways
and one side hangs up. Everything goes to stdout as one JSON object per line: `{"pid": n}` for
each process it starts, `{"step": name, ...}` for what it saw, and `{"done": true}` at the end.

The namespace has only `lo`; Chromium, started with `--allow-loopback-in-peer-connection`, makes
its candidates on 127.0.0.1, and the room runs with `--ice-host 127.0.0.1`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
from aiohttp import web
from PIL import Image

from meetroom.client import RoomClient
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.media import get
from tests.support.netns import LOOPBACK_WEBRTC_ARGS
from tests.support.netroom import online
from tests.support.ports import free_ports
from tests.support.process import RoomProcess
from tests.support.prosody import ProsodyServer, new_account

MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
INDEX = "<!doctype html><html><head><script src='bundle.js'></script></head><body>StanzaJS harness</body></html>"
WAIT = 15.0


def emit(**record: Any) -> None:
    print(json.dumps(record), flush=True)


def progress(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


class Harness:
    """The StanzaJS client in the page, called through `window.harness`."""

    def __init__(self, page: Any) -> None:
        self.page = page

    async def __call__(self, method: str, *args: Any) -> Any:
        return await self.page.evaluate(f"(args) => window.harness.{method}(...args)", list(args))

    async def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        found = await self("events")
        return [e for e in found if kind is None or e["kind"] == kind]

    async def wait(self, kind: str, timeout: float = WAIT, since: int = 0, **match: Any) -> dict[str, Any]:
        """The first `kind` event matching `match`, skipping the first `since` of that kind."""
        deadline = time.monotonic() + timeout
        while True:
            for event in (await self.events(kind))[since:]:
                if all(event.get(k) == v for k, v in match.items()):
                    return event
            if time.monotonic() > deadline:
                raise TimeoutError(f"StanzaJS saw no {kind} {match}: {await self.events()}")
            await asyncio.sleep(0.1)

    async def maybe(self, kind: str, timeout: float) -> dict[str, Any] | None:
        """Like `wait`, but None when it does not come (for what the test asserts, not what the scene needs)."""
        try:
            return await self.wait(kind, timeout)
        except TimeoutError:
            return None

    async def count(self, kind: str) -> int:
        return len(await self.events(kind))


async def media_flow(js: Harness, room: RoomClient, proc: RoomProcess, peer: str) -> dict[str, Any]:
    """Bytes the browser received over ~2 s, and the browser's picture as the room's /frames/ serves it."""
    first = await js("stats")
    await asyncio.sleep(2.0)
    second = await js("stats")
    url = f"http://127.0.0.1:{proc.http_port}/frames/?peerId={quote(peer)}&token={quote(room.http_token or '')}"
    status, body, headers = 0, b"", {}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status, body, headers = await get(url)
        if status == 200:
            break
        await asyncio.sleep(0.2)
    participants = (await room.call("getConferenceParticipants")).get("participants", [])
    picture: dict[str, Any] = {}
    if status == 200:
        image = np.asarray(Image.open(io.BytesIO(body)).convert("L"), dtype=np.float64)
        picture = {"width": image.shape[1], "height": image.shape[0], "contrast": round(float(image.std()), 1)}
    return {
        "browser_before": first,
        "browser_after": second,
        "frame_status": status,
        "frame_type": headers.get("Content-Type", "") if status == 200 else "",
        "picture": picture,
        "room_participants": participants,
    }


async def mute_both_ways(js: Harness, room: RoomClient, kind: str) -> dict[str, Any]:
    """The browser mutes `kind` (session-info to the room), then the room mutes its own (to the browser)."""
    field = "mic" if kind == "audio" else "video"
    name = await js("mute", kind)
    muted = await room.wait_event("deviceStatusReceived", lambda e: e[field] == 1, timeout=WAIT)
    await js("unmute", kind)
    unmuted = await room.wait_event("deviceStatusReceived", lambda e: e[field] == 2, timeout=WAIT)
    setter = "setMicMute" if kind == "audio" else "setVideoMute"
    mutes, unmutes = await js.count("mute"), await js.count("unmute")
    assert (await room.call(setter, mute=True))["result"] is True
    seen = await js.wait("mute", since=mutes)
    assert (await room.call(setter, mute=False))["result"] is True
    seen_unmute = await js.wait("unmute", since=unmutes)
    return {"browser_muted": name, "room_saw": [muted, unmuted], "browser_saw": [seen, seen_unmute]}


async def serve_page(bundle: str, stack: contextlib.AsyncExitStack) -> int:
    """The harness page on 127.0.0.1 (a page from a loopback origin may open the loopback WebSocket)."""
    app = web.Application()
    app.router.add_get("/index.html", lambda _: web.Response(text=INDEX, content_type="text/html"))
    app.router.add_get("/bundle.js", lambda _: web.Response(text=bundle, content_type="text/javascript"))
    runner = web.AppRunner(app)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    port = free_ports(1)[0]
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return port


async def scenario(args: argparse.Namespace, started: list[Any], stack: contextlib.AsyncExitStack) -> None:
    from playwright.async_api import async_playwright

    base = Path(args.dir)
    emit(step="network", interfaces=sorted(name for _, name in socket.if_nameindex()))
    prosody = ProsodyServer(base / "prosody")
    started.append(prosody)
    prosody.start()
    assert prosody.proc is not None
    emit(pid=prosody.proc.pid)
    proc = RoomProcess(base / "room", ["--ice-host", args.ice_host])
    started.append(proc)
    proc.start()
    assert proc.proc is not None
    emit(pid=proc.proc.pid)
    room = RoomClient("127.0.0.1", proc.http_port)
    progress('room = RoomClient("127.0.0.1", proc.http_port)')
    await room.connect()
    await room.auth()
    room_name, room_password = new_account(prosody, "room")
    await online(room, prosody, room_name, room_password)
    room_bare = f"{room_name}@localhost"
    js_name, js_password = new_account(prosody, "js")
    js_bare = f"{js_name}@localhost"
    page_port = await serve_page(Path(args.bundle).read_text(), stack)

    progress("starting chromium")
    async with async_playwright() as playwright:
        args_ = [*CHROMIUM_ARGS, *MEDIA_ARGS, *LOOPBACK_WEBRTC_ARGS]
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=args_)
        try:
            page = await chromium.new_page()
            console: list[str] = []
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.on("console", lambda m: progress(f"console {m.type}: {m.text[:300]}") if args.verbose else None)
            page.on("pageerror", lambda e: progress(f"page error: {e}"))

            await page.goto(f"http://localhost:{page_port}/index.html")
            progress("await page.goto(PAGE)")
            js = Harness(page)
            ws_url = f"ws://localhost:{prosody.http_port}/xmpp-websocket"
            js_full = await js("connect", js_bare, js_password, ws_url)
            emit(step="online", jid=js_full)
            progress('emit(step="online", jid=js_full)')

            # mutual contacts: each sees the other's presence (and the room the browser's caps)
            assert (await room.call("addToAbook", peerId=js_bare))["result"] is True
            await room.wait_event(
                "usersStatusesChanged",
                lambda e: any(u["peerId"] == js_bare and u["extStatus"] == 2 for u in e["usersStatuses"]),
                timeout=WAIT,
            )
            room_full = await _room_full(js, room_bare)
            emit(step="contacts", room_full=room_full)
            progress('emit(step="contacts", room_full=room_full)')

            # --- 1. StanzaJS calls the room ------------------------------------------------
            sid = await js("call", room_full)
            invite = await room.wait_event("inviteReceived", timeout=WAIT)
            ringing = await js.maybe("ringing", 3.0)
            assert (await room.call("accept"))["result"] is True
            progress('assert (await room.call("accept"))["result"] is True')
            created = await room.wait_event("conferenceCreated", timeout=WAIT)
            await js.wait("connection", state="connected")
            progress('await js.wait("connection", state="connected")')
            flow = await media_flow(js, room, proc, js_full)
            mutes = await mute_both_ways(js, room, "audio")
            await js("holdAndResume")  # session-info <hold/> then <active/>: acknowledged, the call goes on
            await asyncio.sleep(0.5)
            held = {"session": await js("sessionState"), "room": (await room.call("getAppState"))["appState"]}
            terminates_before = await js.count("terminated")
            await js("hangUp")
            progress('await js("hangUp")')
            left = await room.wait_event("participantLeftConference", timeout=WAIT)
            await room.wait_event("appStateChanged", lambda e: e["appState"] == 3, timeout=WAIT)
            await asyncio.sleep(1.5)  # anything the room would answer to the hang-up arrives now
            after = [e for e in await js.events("jingle-in") if e["t"] > 0]
            emit(
                step="browser_calls_room",
                sid=sid,
                invite=invite,
                ringing=ringing,
                created=created,
                flow=flow,
                mutes=mutes,
                after_hold=held,
                left=left,
                room_terminates_after_hangup=[
                    e for e in after if e["action"] == "session-terminate" and e.get("from") == room_full
                ],
                terminated_events=(await js.count("terminated")) - terminates_before,
            )

            emit(step="room_output_first_call", lines=[line.rstrip() for line in proc.output])
            # --- 2. the room calls StanzaJS (no JMI there: a direct session-initiate) ------------
            messages_before = await js.count("message")
            assert (await room.call("call", peerId=js_bare))["result"] is True
            incoming = await js.wait("incoming", timeout=WAIT)
            progress('incoming = await js.wait("incoming", timeout=WAIT)')
            sent = await room.wait_event("inviteSent", timeout=WAIT)
            await js("accept")
            created = await room.wait_event("conferenceCreated", timeout=WAIT)
            await js.wait("connection", state="connected", timeout=WAIT)
            flow = await media_flow(js, room, proc, js_full)
            mutes = await mute_both_ways(js, room, "video")
            terminated_before = await js.count("terminated")
            assert (await room.call("hangUp"))["result"] is True
            progress('assert (await room.call("hangUp"))["result"] is True')
            deadline = time.monotonic() + WAIT
            while await js.count("terminated") == terminated_before and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            terminated = (await js.events("terminated"))[terminated_before:]
            await room.wait_event("appStateChanged", lambda e: e["appState"] == 3, timeout=WAIT)
            emit(
                step="room_calls_browser",
                incoming=incoming,
                messages=(await js.events("message"))[messages_before:],
                sent=sent,
                created=created,
                flow=flow,
                mutes=mutes,
                terminated=terminated,
            )
            calls_log = [line.rstrip() for line in proc.output if "meetroom.calls" in line or "aioice" in line]
            emit(step="logs", room=calls_log[-60:], console=console[-40:])
            emit(step="room_output", lines=[line.rstrip() for line in proc.output])
        finally:
            await chromium.close()
    await room.close()


async def _room_full(js: Harness, room_bare: str) -> str:
    """The room's full JID: its session-info / presence reaches the page from that resource."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        jid = await js.page.evaluate(
            """(bare) => {
                return window.harness.presences().find((j) => j.startsWith(bare + '/')) || '';
            }""",
            room_bare,
        )
        if jid:
            return jid
        await asyncio.sleep(0.1)
    raise TimeoutError(f"no presence from {room_bare}")


Scenario = Callable[[argparse.Namespace, list[Any], contextlib.AsyncExitStack], Awaitable[None]]


async def drive(args: argparse.Namespace, play: Scenario | None = None) -> None:
    """Run a scenario within its time; whatever it started (Prosody, rooms) is stopped after it."""
    started: list[Any] = []
    try:
        async with contextlib.AsyncExitStack() as stack:
            await asyncio.wait_for((play or scenario)(args, started, stack), args.timeout)
        emit(done=True)
    finally:
        for thing in reversed(started):
            thing.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="scratch directory for Prosody and the room")
    parser.add_argument("--bundle", required=True, help="the built StanzaJS harness (tests/support/stanzajs.py)")
    parser.add_argument("--ice-host", default="127.0.0.1")
    parser.add_argument("--verbose", action="store_true", help="the page's console on stderr")
    parser.add_argument("--timeout", type=float, default=100.0, help="seconds for the whole scenario")
    args = parser.parse_args()
    asyncio.run(drive(args))


if __name__ == "__main__":
    sys.exit(main())
