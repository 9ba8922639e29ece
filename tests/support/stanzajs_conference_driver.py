"""Driver of tests/interop/test_stanzajs_conference.py, run inside a network namespace with only `lo`.

Prosody, two rooms (`--rooms 3`: three) in a meetroom conference (A creates it and invites the
others) and StanzaJS in Debian's Chromium, a plain XEP-0045 occupant that answers every Jingle
call (tests/interop/stanzajs/harness.js). Scene 1: StanzaJS joins; the rooms read its
disco#info (Jingle RTP audio/video) and each calls it; media is measured both ways; it leaves.
Scene 2: StanzaJS hides its RTP features, joins again and calls each room itself; the same
checks. Output: JSON lines as in stanzajs_driver.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import socket
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
from PIL import Image

from meetroom.calls.conference.state import room_jid_for
from meetroom.client import RoomClient
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.media import get
from tests.support.netns import LOOPBACK_WEBRTC_ARGS
from tests.support.netroom import online
from tests.support.process import RoomProcess
from tests.support.prosody import ProsodyServer, new_account
from tests.support.stanzajs_driver import MEDIA_ARGS, WAIT, Harness, drive, emit, progress, serve_page

NICK = "Browser"


async def start_room(base: Path, name: str, ice_host: str, prosody: ProsodyServer, started: list[Any]) -> dict:
    proc = RoomProcess(base / name, ["--ice-host", ice_host])
    started.append(proc)
    proc.start()
    assert proc.proc is not None
    emit(pid=proc.proc.pid)
    client = RoomClient("127.0.0.1", proc.http_port)
    await client.connect()
    await client.auth()
    account, password = new_account(prosody, name)
    await online(client, prosody, account, password)
    return {"proc": proc, "client": client, "bare": f"{account}@localhost"}


async def conference(a: dict, *guests: dict) -> tuple[str, dict[str, str]]:
    """A creates an open conference and invites the guests, which accept; (confId, {name: InstanceId})."""
    reply = await a["client"].call(
        "createConference",
        title="Interop",
        confType="symmetric",
        autoAccept=True,
        inviteList=[g["bare"] for g in guests],
    )
    assert reply["result"] is True, reply
    created = await a["client"].wait_event("conferenceCreated", timeout=WAIT)
    for guest in guests:
        await guest["client"].wait_event("inviteReceived", timeout=WAIT)
        assert (await guest["client"].call("accept"))["result"] is True
        await guest["client"].wait_event("conferenceCreated", timeout=WAIT)
    fulls = {"a": created["conferenceOwner"]}
    for _ in guests:
        accepted = await a["client"].wait_event("peerAccepted", timeout=WAIT)
        name = next(n for n, g in zip("bcdef", guests, strict=False) if accepted["peerId"].startswith(g["bare"] + "/"))
        fulls[name] = accepted["peerId"]
    return created["confId"], fulls


async def picture_at(room: dict, peer: str) -> dict[str, Any]:
    """The browser's picture as this room's /frames/ serves it (its size and contrast), and its participant entry."""
    client, proc = room["client"], room["proc"]
    url = f"http://127.0.0.1:{proc.http_port}/frames/?peerId={quote(peer)}&token={quote(client.http_token or '')}"
    deadline = time.monotonic() + 10
    status, body = 0, b""
    while time.monotonic() < deadline:
        status, body, _ = await get(url)
        if status == 200:
            break
        await asyncio.sleep(0.2)
    listed = (await client.call("getConferenceParticipants")).get("participants", [])
    entry = next((p for p in listed if p["peerId"] == peer), None)
    if status != 200:
        return {"status": status, "participant": entry}
    image = np.asarray(Image.open(io.BytesIO(body)).convert("L"), dtype=np.float64)
    return {
        "status": status,
        "size": [image.shape[1], image.shape[0]],
        "contrast": round(float(image.std()), 1),
        "participant": entry,
    }


async def connected_sessions(js: Harness, peers: set[str]) -> list[dict[str, Any]]:
    """StanzaJS's live sessions once one per peer is connected."""
    deadline = time.monotonic() + WAIT
    while True:
        live = [s for s in await js("sessionStats") if s["state"] != "ended"]
        if {s["peer"] for s in live if s["connection"] == "connected"} >= peers or time.monotonic() > deadline:
            return live
        await asyncio.sleep(0.2)


MEDIA_WINDOW = 2.0  # seconds of media measured, at the least
MEDIA_WINDOW_LIMIT = 8.0  # ... and at the most, on a machine whose host lends it half its cores
FLOWING = {"video": 20_000, "framesDecoded": 10, "audio": 4_000}  # what tests check_media asks of every room


def _growth(first: list[dict[str, Any]], second: list[dict[str, Any]], fulls: dict[str, str]) -> dict[str, dict]:
    grew = {}
    for name, full in fulls.items():
        before = [s for s in first if s["peer"] == full and s["received"]]
        after = [s for s in second if s["peer"] == full and s["received"] and s["state"] != "ended"]
        if before and after and before[-1]["sid"] == after[-1]["sid"]:
            grew[name] = {k: after[-1]["received"][k] - before[-1]["received"][k] for k in FLOWING}
    return grew


async def media_scene(js: Harness, rooms: dict[str, dict], fulls: dict[str, str], js_full: str) -> dict[str, Any]:
    """What the browser received from each room: over 2 s, or until every room's media has given
    what check_media asks (at most 8 s; the figures are the test's, the rate is the machine's)."""
    first = await connected_sessions(js, set(fulls.values()))
    start = time.monotonic()
    await asyncio.sleep(MEDIA_WINDOW)
    while True:
        second = await js("sessionStats")
        grew = _growth(first, second, fulls)
        flowing = len(grew) == len(fulls) and all(g[k] > least for g in grew.values() for k, least in FLOWING.items())
        if flowing or time.monotonic() - start > MEDIA_WINDOW_LIMIT:
            break
        await asyncio.sleep(0.2)
    window = round(time.monotonic() - start, 1)
    pictures = {name: await picture_at(room, js_full) for name, room in rooms.items()}
    return {"sessions": second, "grew": grew, "window": window, "pictures": pictures}


async def leave_scene(js: Harness, rooms: dict[str, dict], room_jid: str, js_full: str) -> dict[str, Any]:
    terminated_before = await js.count("terminated")
    await js("leaveRoom", room_jid)
    left = {
        name: await room["client"].wait_event(
            "participantLeftConference", lambda e: e["peerId"] == js_full, timeout=WAIT
        )
        for name, room in rooms.items()
    }
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and any(s["state"] != "ended" for s in await js("sessionStats")):
        await asyncio.sleep(0.2)
    listed = {
        name: [p["peerId"] for p in (await room["client"].call("getConferenceParticipants"))["participants"]]
        for name, room in rooms.items()
    }
    return {
        "left": left,
        "still_live": [s for s in await js("sessionStats") if s["state"] != "ended"],
        "terminated": (await js.events("terminated"))[terminated_before:],
        "listed_after": listed,
    }


async def scenario(args: argparse.Namespace, started: list[Any], stack: contextlib.AsyncExitStack) -> None:
    from playwright.async_api import async_playwright

    base = Path(args.dir)
    emit(step="network", interfaces=sorted(name for _, name in socket.if_nameindex()))
    prosody = ProsodyServer(base / "prosody")
    started.append(prosody)
    prosody.start()
    assert prosody.proc is not None
    emit(pid=prosody.proc.pid)
    names = "abc"[: args.rooms]
    rooms = {name: await start_room(base, name, args.ice_host, prosody, started) for name in names}
    conf_id, fulls = await conference(rooms["a"], *(rooms[n] for n in names[1:]))
    room_jid = room_jid_for(conf_id, "conference.localhost")
    emit(step="conference", conf_id=conf_id, room=room_jid, fulls=fulls)
    js_name, js_password = new_account(prosody, "js")
    page_port = await serve_page(Path(args.bundle).read_text(), stack)

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *MEDIA_ARGS, *LOOPBACK_WEBRTC_ARGS]
        )
        try:
            page = await chromium.new_page()
            page.on("pageerror", lambda e: progress(f"page error: {e}"))
            await page.goto(f"http://localhost:{page_port}/index.html")
            js = Harness(page)
            js_full = await js(
                "connect", f"{js_name}@localhost", js_password, f"ws://localhost:{prosody.http_port}/xmpp-websocket"
            )
            emit(step="online", jid=js_full)

            # --- 1. the rooms call the client (its disco#info says Jingle RTP audio/video) -----
            await js("joinRoom", room_jid, NICK)
            joined = {
                name: await room["client"].wait_event(
                    "newParticipantInConference", lambda e: e["peerId"] == js_full, timeout=WAIT
                )
                for name, room in rooms.items()
            }
            flow = await media_scene(js, rooms, fulls, js_full)
            incoming = await js.events("incoming")
            emit(step="rooms_call_client", joined=joined, incoming=incoming, **flow)
            emit(step="rooms_call_client_left", **await leave_scene(js, rooms, room_jid, js_full))

            # --- 2. the client calls the rooms (no RTP features in its disco#info) ----------------
            await js("hideJingleMedia")
            incoming_before = await js.count("incoming")
            await js("joinRoom", room_jid, NICK)
            for room in rooms.values():
                await room["client"].wait_event(
                    "newParticipantInConference", lambda e: e["peerId"] == js_full, timeout=WAIT
                )
            await asyncio.sleep(2.0)  # the rooms' disco#info answers come now: they must not call
            called_us = (await js.events("incoming"))[incoming_before:]
            sids = {name: await js("call", full) for name, full in fulls.items()}
            flow = await media_scene(js, rooms, fulls, js_full)
            emit(step="client_calls_rooms", called_us=called_us, sids=sids, **flow)
            emit(step="client_calls_rooms_left", **await leave_scene(js, rooms, room_jid, js_full))
            lines = {name: [line.rstrip() for line in room["proc"].output] for name, room in rooms.items()}
            emit(step="room_output", lines=lines)
        finally:
            await chromium.close()
    for room in rooms.values():
        await room["client"].close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="scratch directory for Prosody and the rooms")
    parser.add_argument("--bundle", required=True, help="the built StanzaJS harness (tests/support/stanzajs.py)")
    parser.add_argument("--ice-host", default="127.0.0.1")
    parser.add_argument(
        "--rooms", type=int, default=2, choices=(2, 3), help="rooms in the conference (3: heavy on 2 cores)"
    )
    parser.add_argument("--timeout", type=float, default=100.0, help="seconds for the whole scenario")
    args = parser.parse_args()
    asyncio.run(drive(args, scenario))


if __name__ == "__main__":
    sys.exit(main())
