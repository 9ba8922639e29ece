"""Rooms on one Prosody, logged in and ready to call each other (tests of meetroom.calls)."""

from __future__ import annotations

import asyncio
import io
import itertools
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import numpy as np
from PIL import Image

from meetroom.client import RoomClient
from tests.support.media import get
from tests.support.netroom import online
from tests.support.process import RoomProcess
from tests.support.prosody import ProsodyServer, new_account

ICE = ("--ice-host", "127.0.0.1")
_rooms = itertools.count(1)


@dataclass
class CallRoom:
    proc: RoomProcess
    client: RoomClient
    name: str
    password: str
    full_id: str = ""

    @property
    def call_id(self) -> str:
        return f"{self.name}@localhost"


async def start_rooms(
    prosody: ProsodyServer,
    room_factory: Any,
    connect: Any,
    count: int = 2,
    *,
    ring_timeout: int | None = None,
    same_account: bool = False,
) -> list[CallRoom]:
    """`count` rooms, each logged in (all as one account with `same_account`)."""
    shared = new_account(prosody, "s") if same_account else None
    rooms = []
    for _ in range(count):
        name, password = shared or new_account(prosody, "c")
        proc = room_factory(*ICE, name=f"room{next(_rooms)}")
        client = await connect(proc)
        rooms.append(CallRoom(proc, client, name, password))
    await asyncio.gather(*(online(r.client, prosody, r.name, r.password) for r in rooms))
    for r in rooms:
        if ring_timeout is not None:
            reply = await r.client.call("setSettings", settings={"callRingTimeout": ring_timeout})
            assert reply["result"] is True, reply
    return rooms


async def wait_state(client: RoomClient, state: int, timeout: float = 10.0) -> None:
    if (await client.call("getAppState"))["appState"] == state:
        return
    await client.wait_event("appStateChanged", lambda e: e["appState"] == state, timeout=timeout)


async def remote_frame(room: CallRoom, peer: str, timeout: float = 5.0) -> tuple[np.ndarray, int]:
    """The peer's picture as this room's /frames/ serves it (waiting for the first), and its sequence number."""
    url = f"http://127.0.0.1:{room.proc.http_port}/frames/?peerId={quote(peer)}&token={quote(room.client.http_token)}"
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        status, body, headers = await get(url)
        if status != 404 or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.05)
    assert status == 200, body
    image = Image.open(io.BytesIO(body))
    assert image.format == "JPEG"
    return np.asarray(image.convert("RGB")), int(headers["X-Frame-Seq"])


async def connected_call(caller: CallRoom, callee: CallRoom) -> dict[str, Any]:
    """Caller calls callee's CallId, callee accepts; returns the caller's conferenceCreated."""
    assert (await caller.client.call("call", peerId=callee.call_id))["result"] is True
    await callee.client.wait_event("inviteReceived", timeout=10)
    assert (await callee.client.call("accept"))["result"] is True
    created = await caller.client.wait_event("conferenceCreated", timeout=15)
    await callee.client.wait_event("conferenceCreated", timeout=15)
    return created


async def join_request_waits(owner: CallRoom, caller: CallRoom, called: str, conf_id: str) -> str:
    """`caller` called `called` (the owner, or a moderator who sends it on): the owner is asked,
    the caller waits in the waiting room in appState 4, nobody is rejected. The caller's InstanceId."""
    asked = await owner.client.wait_event("requestInviteReceived", timeout=10)
    assert asked["confId"] == conf_id and asked["peerId"].startswith(caller.call_id + "/")
    waiting = await owner.client.wait_event("participantPresenceInWaitingRoomChanged", timeout=5)
    assert (waiting["callId"], waiting["isInWaitingRoom"]) == (asked["peerId"], True)
    sent = await caller.client.wait_event("inviteRequestSent", timeout=5)
    assert sent["peerId"] == called
    assert (await caller.client.call("getAppState"))["appState"] == 4
    assert not caller.client.pending_events("rejectReceived")
    return asked["peerId"]
