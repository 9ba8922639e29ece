"""The main screen's own channel (`/screen/ws`): the room's notifications in, a few screen actions out.

The screen is part of the room, not an API client. It never takes the administrator or user
control slot, needs no credentials on the room PC itself, and is refused from other addresses
unless the setting allowRemoteScreen is on. It may only read what it draws and answer calls:
everything else is refused, whatever it sends.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from meetroom.api.dispatcher import Grant, parse
from meetroom.api.envelope import failure, notification, reply
from meetroom.api.session import USER, Session
from meetroom.core.access import PIN
from meetroom.core.addresses import is_loopback
from meetroom.core.origins import OriginKind, classify_origin
from meetroom.web.ws import peer_host
from meetroom.web.wsloop import answer_frames, socket_session

if TYPE_CHECKING:
    from meetroom.web.surface import RoomSurface

log = logging.getLogger(__name__)

# Read-only queries for drawing, and the answers to an incoming call or join request.
SCREEN_COMMANDS = frozenset(
    {
        "getAppState",
        "getSettings",
        "getInfoWidgetsState",
        "getBackground",
        "getLogo",
        "getVideoMatrix",
        "getScheduler",
        "getLogin",
        "getMicMute",
        "getVideoMute",
        "getConferences",
        "getConferenceParticipants",
        "getSlideShowInfo",
        "accept",
        "reject",
        "acceptPeer",
        "rejectPeer",
    }
)
# The screen runs these as the room itself: no auth, no role, and nothing outside the set.
SCREEN_GRANT = Grant("the main screen", SCREEN_COMMANDS)
# What the screen draws from; admin-only and private events (chat, auth) are not relayed.
SCREEN_EVENTS = frozenset(
    {
        "appStateChanged",
        "settingsChanged",
        "showLogo",
        "showTime",
        "showInfoConnect",
        "showCurrentUserWidget",
        "showIncomingRequestWidget",
        "showUpcomingMeetings",
        "backgroundImageChanged",
        "logoImageChanged",
        "customLogoUsageChanged",
        "videoMatrixChanged",
        "inviteReceived",
        "inviteSent",
        "requestInviteReceived",
        "stopCalling",
        "rejectReceived",
        "rejectSent",
        "peerAccepted",
        "conferenceCreated",
        "conferenceDeleted",
        "conferenceList",
        "newParticipantInConference",
        "participantLeftConference",
        "deviceStatusReceived",
        "audioCapturerMute",
        "videoCapturerMute",
        "login",
        "logout",
        "serverConnected",
        "serverDisconnected",
        "webManagerUrlChanged",
        "broadcastPictureStateChanged",
        # the slideshow shown full-screen while it runs
        "mySlideShowStarted",
        "mySlideShowStopped",
        "mySlideShowTitleChanged",
        "currentSlideIndexChanged",
        "slideUploaded",
        "slideRemoved",
        "slidePositionChanged",
        "slidesSorted",
        "allSlidesRemoved",
    }
)
INFO_INTERVAL = 2.0  # how often the connection info is checked for changes
MAX_FRAME = 64 * 1024


def screen_refusal(peer: str, origin: OriginKind, allow_remote: bool) -> str | None:
    """Why this connection may not be a screen, or None when it may.

    Loopback is the room PC itself; a page of any other origin is refused even there, and so is
    Origin `null` (a sandboxed frame of any web site sends it), so a web page opened on the room
    PC cannot listen in, read the user PIN or answer calls. The screen is always served by the
    room, so it never needs the file-page opt-in.
    """
    if not is_loopback(peer) and not allow_remote:
        return "the main screen is shown only on the room itself; an administrator can allow remote screens"
    if origin not in (OriginKind.NONE, OriginKind.OWN):
        return "the main screen must be opened from this room's own HTTP server"
    return None


def connection_info(room: RoomSurface) -> dict[str, Any]:
    """The room's name, addresses and the user PIN, for the screen's connection-info widget."""
    manager = room.web_address()
    user = room.access.protection(USER)
    user_pin = user.pin if user.kind == PIN and user.pin else ""
    direct = ""
    if user_pin:
        base, _, query = manager.partition("?")
        direct = f"{base}{user_pin}" + (f"?{query}" if query else "")
    host = manager.split("//", 1)[1].split(":", 1)[0].split("/", 1)[0]
    return {
        "roomName": room.settings.get("displayName"),
        "ip": host,
        "webManagerUrl": manager,
        "userAuth": user.kind,
        "userPin": user_pin,
        "userUrl": direct,
        "httpPort": room.http.port,
        "wsPort": room.ws_port,
        "instance": room.options.instance,
        "account": room.account(),
        "version": room.version,
    }


class ScreenChannel:
    """One connected screen page."""

    def __init__(self, room: RoomSurface, ws: web.WebSocketResponse, session: Session) -> None:
        self.room = room
        self.ws = ws
        self.session = session
        self._last_info: dict[str, Any] | None = None

    def on_event(self, message: dict[str, Any]) -> None:
        if message.get("event") in SCREEN_EVENTS:
            self.session.send(message)
            self.push_info()

    def push_info(self) -> None:
        info = connection_info(self.room)
        if info != self._last_info:
            self._last_info = info
            self.session.send(notification("screenInfo", info))

    async def watch_info(self) -> None:
        while not self.session.closed:
            await asyncio.sleep(INFO_INTERVAL)
            self.push_info()

    async def handle(self, text: str) -> dict[str, Any]:
        parsed = parse(text)
        if isinstance(parsed, str):
            return failure("", "", parsed)
        method, request_id = parsed.get("method"), parsed.get("requestId", "")
        if method == "getScreenInfo":
            return reply(method, request_id, connection_info(self.room))
        if method == "getScreenToken":
            # A user-level HTTP token: enough for frames and files, not an administrator's.
            return reply(method, request_id, {"token": self.room.access.issue_http_token(self.session.id, USER)})
        if method not in SCREEN_COMMANDS:
            return failure(str(method or ""), request_id, f"the main screen may not use '{method}'")
        return await self.room.dispatcher.dispatch(self.session, text, SCREEN_GRANT)


def install(room: RoomSurface, app: web.Application) -> None:
    async def screen_ws(request: web.Request) -> web.StreamResponse:
        refusal = screen_refusal(
            peer_host(request),
            classify_origin(request.headers.get("Origin"), room.serves_origin),
            bool(room.settings.get("allowRemoteScreen")),
        )
        if refusal is not None:
            return web.Response(status=403, text=refusal + "\n")
        ws = web.WebSocketResponse(max_msg_size=MAX_FRAME, heartbeat=30.0)
        await ws.prepare(request)
        # No role and never in the control slots (room.modes): it runs only SCREEN_GRANT's commands.
        session = socket_session(peer_host(request), ws)
        channel = ScreenChannel(room, ws, session)
        room.bus.add_listener(channel.on_event)
        watcher = asyncio.create_task(channel.watch_info(), name=f"screen-{session.id}-info")
        channel.push_info()
        try:
            await answer_frames(ws, session, channel.handle)  # binary frames go unanswered, as ever
        finally:
            room.bus.remove_listener(channel.on_event)
            watcher.cancel()
            room.access.revoke_session(session.id)
            await session.flush_and_stop()
        return ws

    app.router.add_get("/screen/ws", screen_ws)
