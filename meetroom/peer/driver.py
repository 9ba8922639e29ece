"""The scripted peer: a full room, driven from inside instead of by a control panel.

It is `meetroom run` plus three habits: at start it connects to the given server and logs in;
it answers every incoming call (and, through `PeerDriver.accept_conference`, conference
invitations once the room has conferences) without being asked; and its camera is a video file
or the test pattern. It keeps the API and the HTTP server, so a test can still watch it
(`meetroom ctl`, /frames/, /metrics). It has no screen: nobody looks at a peer.

Progress goes to stdout as lines other programs wait for: `peer online as <id>` once logged in,
`peer answered <peer>` for each call it took, `peer: <problem>` when something failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meetroom.app import Room, RoomOptions, serve
from meetroom.core.errors import DomainError
from meetroom.media.filesource import video_file_camera

log = logging.getLogger(__name__)

PATTERN = "pattern"
CONNECT_TIMEOUT = 30.0
LOGIN_TIMEOUT = 30.0


@dataclass(frozen=True)
class PeerOptions:
    server: str
    port: int
    login: str
    password: str
    auto_answer: bool = True
    camera: str = PATTERN  # PATTERN or the path of a video file
    display_name: str = ""  # shown to the other side and drawn on the test pattern; '' keeps the setting


def say(line: str) -> None:
    print(line, flush=True)


class PeerDriver:
    def __init__(self, room: Room, options: PeerOptions) -> None:
        self.room, self.options = room, options
        self.answered = 0
        # how a conference invitation (inviteReceived with type > 0) is taken; the conference code may replace it
        self.accept_conference: Callable[[dict[str, Any]], Awaitable[None]] = self._accept_call
        self._events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    # --- setup ------------------------------------------------------------------------
    async def setup(self) -> None:
        """Camera, answering, then the login in the background (the room is ready meanwhile)."""
        media = self.room.media
        if self.options.display_name:
            self.room.settings.update({"displayName": self.options.display_name})
        if self.options.camera != PATTERN:
            device = video_file_camera(Path(self.options.camera))
            media.add_device(device)
            media.select("camera", device.name, device.description)
        else:
            media.select("camera", "", "virtual:test-pattern")
        self.room.bus.add_listener(self._on_event)
        self.room.net.spawn(self.go_online())

    def _on_event(self, message: dict[str, Any]) -> None:
        event = message.get("event")
        if event == "inviteReceived" and self.options.auto_answer:
            self.room.net.spawn(self._answer(message))
        elif event in ("serverConnected", "serverDisconnected", "login"):
            self._events.put_nowait(message)

    async def _next(self, names: tuple[str, ...], timeout: float) -> dict[str, Any] | None:
        try:
            async with asyncio.timeout(timeout):
                while True:
                    message = await self._events.get()
                    if message["event"] in names:
                        return message
        except TimeoutError:
            return None

    # --- online -----------------------------------------------------------------------
    async def go_online(self) -> bool:
        opts, net = self.options, self.room.net
        await net.connect_to_server(opts.server, opts.port)
        connected = await self._next(("serverConnected", "serverDisconnected"), CONNECT_TIMEOUT)
        if connected is None or connected["event"] != "serverConnected":
            reason = connected.get("reason", "") if connected else f"no answer in {CONNECT_TIMEOUT:g} s"
            say(f"peer: cannot connect to {opts.server}:{opts.port}: {reason}")
            return False
        try:
            await net.login(opts.login, opts.password)
        except DomainError as exc:
            say(f"peer: login refused: {exc}")
            return False
        outcome = await self._next(("login",), LOGIN_TIMEOUT)
        if outcome is None or outcome.get("result") not in (0, 1):
            say(f"peer: login as {opts.login} failed: {outcome}")
            return False
        say(f"peer online as {outcome.get('peerId', opts.login)}")
        return True

    # --- answering --------------------------------------------------------------------
    async def _answer(self, invite: dict[str, Any]) -> None:
        await asyncio.sleep(0)  # let the invitation finish being announced first
        try:
            if invite.get("type", 0) == 0:
                await self._accept_call(invite)
            else:
                await self.accept_conference(invite)
        except DomainError as exc:
            say(f"peer: could not answer {invite.get('peerId')}: {exc}")
            return
        self.answered += 1
        say(f"peer answered {invite.get('peerId')}")

    async def _accept_call(self, invite: dict[str, Any]) -> None:
        await self.room.calls.accept()


async def serve_peer(options: RoomOptions, peer: PeerOptions) -> int:
    async def setup(room: Room) -> None:
        await PeerDriver(room, peer).setup()

    return await serve(options, setup=setup)
