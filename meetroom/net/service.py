"""The room's presence on the conferencing network: connection, login, roster, chat.

It owns the connection life cycle (appState 0 → 1 → 2 → 3 and back), turns what the XMPP
session reports into API notifications, keeps the chat history and reconnects with backoff
after a loss. Command handlers call it; it never touches a WebSocket, and it announces every
change itself through the event sink it is given.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import ssl
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from meetroom import ids
from meetroom.core.appstate import EXT_AVAILABLE, EXT_OFFLINE, AppState, AppStateMachine
from meetroom.core.events import Events
from meetroom.core.settings import Settings
from meetroom.core.tasks import TaskSet, cancel_and_wait
from meetroom.net.chatstore import INCOMING, OUTGOING, ChatStore, StoredMessage, chat_id
from meetroom.net.credentials import CredentialStore
from meetroom.net.errors import BadPeerId, NetworkError, NotConnected
from meetroom.net.groups import GroupBook
from meetroom.net.presence import OWN_BUSY, OWN_IDLE, ContactPresence
from meetroom.net.probe import ProbeError, ServerLink
from meetroom.net.servers import DEFAULT_PORT, server_text
from meetroom.net.xmpp import ChatMessage, LoginFailed, PresenceInfo, RosterItem, XmppSession, tls_context
from meetroom.store.db import Store

__all__ = ["DEFAULT_PORT", "NetworkService", "NotConnected"]

log = logging.getLogger(__name__)

BACKOFF = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
LOGIN_TIMEOUT = 15.0
PROBE_TIMEOUT = 5.0
LAST_SEEN_DELAY = 1.0

SessionHook = Callable[[XmppSession], None]


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


class NetworkService:
    def __init__(
        self, settings: Settings, store: Store, appstate: AppStateMachine, events: Events, key_path: Path
    ) -> None:
        """`key_path` holds the key the remembered login is encrypted with."""
        self.settings = settings
        self.appstate = appstate
        self.events = events
        self.chats = ChatStore(store.path, limit=lambda: settings.get("chatHistoryLimit"))
        self.groups = GroupBook(store)
        self.creds = CredentialStore(store, key_path)
        self.server = ""
        self.port = 0
        self.domain = ""
        self.service = False
        self.session: XmppSession | None = None
        self.account_id = ""
        self.display_name = ""
        self.contacts: dict[str, RosterItem] = {}
        self.presence: dict[str, ContactPresence] = {}
        self.session_hooks: list[SessionHook] = []
        self.group_chats: dict[str, str] = {}  # conference room JID → title, for getListOfChats
        self._link: ServerLink | None = None
        self._task: asyncio.Task | None = None
        self._background = TaskSet()
        self._login: tuple[str, str] | None = None  # kept in memory for re-login after a loss
        self._published_ext: int | None = None
        appstate.on_change(self._own_status_changed)

    # --- helpers ----------------------------------------------------------------------
    @property
    def logged_in(self) -> bool:
        return self.session is not None and self.session.ready

    def _state(self, state: AppState) -> None:
        extra: dict[str, Any] = {}
        if state == AppState.NORMAL:
            extra["ext_status"] = EXT_AVAILABLE
        elif state < AppState.NORMAL:
            extra["ext_status"] = EXT_OFFLINE
        self.appstate.update(state=state, **extra)

    def _publish(self, event: str, fields: dict[str, Any]) -> None:
        self.events.publish(event, fields)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task:
        """Run a background job that ends with the service (close cancels it)."""
        return self._background.spawn(coro)

    def _server_fields(self) -> dict[str, Any]:
        return {"service": self.service, "server": self.server, "port": self.port}

    def domain_for(self, server: str) -> str:
        """The XMPP domain to ask the server for: setting, else its name, else localhost."""
        configured = str(self.settings.get("serverDomain") or "").strip().lower()
        if configured:
            return configured
        return "localhost" if _is_address(server) else server.lower()

    def account(self) -> dict[str, str]:
        if not self.logged_in:
            return {"peerId": "", "peerDn": ""}
        return {"peerId": self.account_id, "peerDn": self.display_name}

    # --- start and stop ---------------------------------------------------------------
    async def start(self) -> None:
        """Reconnect to the remembered server (and log in) after a restart."""
        self.spawn(asyncio.to_thread(tls_context))  # warm up off the event loop
        current = self.creds.current_server()
        if not current:
            return
        login = self.creds.load_login() if self.settings.get("enableAutologin") else None
        self._login = login
        self._begin(current["server"], int(current["port"]), bool(current.get("service")), recovering=True)

    async def close(self) -> None:
        await self._cancel_task()
        self._background.cancel_all()
        await self._drop_link()
        if self.session is not None:
            session, self.session = self.session, None
            await session.stop()
        self.chats.close()

    async def _cancel_task(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _drop_link(self) -> None:
        if self._link is not None:
            link, self._link = self._link, None
            await link.close()

    # --- connecting -------------------------------------------------------------------
    async def connect_to_server(self, server: str, port: int, service: bool = False) -> None:
        """Leave the current server (if any) and connect to `server:port` in the background."""
        await self._cancel_task()
        await self._drop_link()
        if self.session is not None:
            session, self.session = self.session, None
            await session.stop()
            self._publish("serverDisconnected", {**self._server_fields(), "reason": "connecting to another server"})
        self._login = None
        self.creds.set_current_server(server, port, service)
        self._begin(server, port, service, recovering=False)

    def _begin(self, server: str, port: int, service: bool, *, recovering: bool) -> None:
        self.server, self.port, self.service = server, port, service
        self.domain = self.domain_for(server)
        self._task = asyncio.create_task(self._connect_loop(recovering))

    async def _open_link(self) -> None:
        link = ServerLink(self.server, self.port, self.domain, self._link_lost, PROBE_TIMEOUT)
        result = await link.start()
        self.domain = result.domain or self.domain
        self._link = link

    async def _connect_loop(self, recovering: bool) -> None:
        """Connect (and log in again when credentials are known), retrying with backoff."""
        self._state(AppState.CONNECTING)
        attempt = 0
        while True:
            try:
                await self._open_link()
            except ProbeError as exc:
                log.info("server %s:%s: %s", self.server, self.port, exc.reason)
                self._publish("serverDisconnected", {**self._server_fields(), "reason": exc.reason})
                if not recovering:
                    self._state(AppState.NONE)
                    return
                await asyncio.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
                attempt += 1
                continue
            self._state(AppState.LOGIN)
            self._publish("serverConnected", {**self._server_fields(), "domain": self.domain})
            if self._login is None:
                return
            login, password = self._login
            outcome = await self._do_login(login, password)
            if outcome in (0, 1):
                return
            if outcome != 7 or not recovering:
                return
            await self._drop_link()
            self._state(AppState.CONNECTING)
            await asyncio.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
            attempt += 1

    def _link_lost(self, reason: str) -> None:
        self._link = None
        if self.session is not None:
            return  # the logged-in session reports its own loss
        self._lost(reason)

    def _lost(self, reason: str) -> None:
        log.warning("%s:%s: %s", self.server, self.port, reason)
        for info in self.presence.values():
            info.resources.clear()
        self._publish("serverDisconnected", {**self._server_fields(), "reason": reason})
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._connect_loop(recovering=True))

    # --- login ------------------------------------------------------------------------
    def login_jid(self, login: str) -> str:
        """The bare JID for a login with or without its server part."""
        return ids.call_id(login, self.domain)

    async def login(self, login: str, password: str) -> None:
        if self.appstate.state < AppState.LOGIN:
            raise NotConnected("not connected to a server: send connectToServer first")
        try:
            self.login_jid(login)
        except ids.IdError as exc:
            raise BadPeerId(str(exc)) from None
        self.spawn(self._do_login(login, password))

    async def _do_login(self, login: str, password: str) -> int:
        bare = self.login_jid(login)
        if self.logged_in:
            if bare == self.account_id:
                self._publish("login", {"result": 1, "peerId": self.account_id, "peerDn": self.display_name})
                return 1
            await self.logout(notify=False)
        jid = f"{bare}/{self.creds.resource()}"
        keepalive = float(self.settings.get("serverKeepaliveInterval"))
        cafile = str(self.settings.get("serverCaFile") or "")
        try:
            session = XmppSession(jid, password, self.server, self.port, self, keepalive=keepalive, cafile=cafile)
        except (OSError, ssl.SSLError) as exc:
            reason = f"cannot use serverCaFile '{cafile}': {exc}"
            self._publish("login", {"result": 7, "peerId": bare, "peerDn": "", "error": reason})
            return 7
        for hook in self.session_hooks:
            hook(session)
        try:
            await session.start(LOGIN_TIMEOUT)
        except LoginFailed as exc:
            log.info("login of %s failed: %s", bare, exc.reason)
            self._publish("login", {"result": exc.code, "peerId": bare, "peerDn": "", "error": exc.reason})
            return exc.code
        self.session = session
        await self._drop_link()
        self.account_id = session.bare
        self.display_name = await self._own_name(session)
        self._login = (login, password)
        if self.settings.get("enableAutologin"):
            self.creds.save_login(login, password)
        self.contacts = dict(session.roster)
        self._published_ext = None
        self._publish_own_presence()
        await session.flush()  # reachable before anyone is told the room is logged in
        self._state(AppState.NORMAL)
        self._publish("login", {"result": 0, "peerId": self.account_id, "peerDn": self.display_name})
        self._publish("abReceivedAfterLogin", {"abook": self.abook()})
        self.spawn(self._sync_archive(session))
        self.spawn(self._fetch_last_seen(session))
        return 0

    async def _fetch_last_seen(self, session: XmppSession) -> None:
        """lastOnlineTime of contacts that are offline at login, asked once (XEP-0012)."""
        await asyncio.sleep(LAST_SEEN_DELAY)  # let the initial presences of online contacts arrive
        offline = [
            jid
            for jid, item in self.contacts.items()
            if item.subscription in ("to", "both") and not (self.presence.get(jid) or ContactPresence()).resources
        ]
        limit = asyncio.Semaphore(16)

        async def ask(jid: str) -> tuple[str, int | None]:
            async with limit:
                return jid, await session.idle_seconds(jid)

        changed = []
        now = time.time()
        for jid, seconds in await asyncio.gather(*(ask(j) for j in offline)):
            contact = self.presence.setdefault(jid, ContactPresence())
            if seconds is None or seconds <= 0 or contact.resources or session is not self.session:
                continue
            contact.last_online = now - seconds
            changed.append(self.contact_entry(jid))
        if changed:
            self._publish("usersStatusesChanged", {"usersStatuses": changed})

    async def _own_name(self, session: XmppSession) -> str:
        try:
            card = await asyncio.wait_for(session.vcard(None), 3.0)
        except Exception:  # no vCard service or slow server: fall back to the login name
            card = {}
        return card.get("fn") or card.get("nickname") or session.bare.split("@")[0]

    async def logout(self, *, notify: bool = True) -> None:
        session, self.session = self.session, None
        self._login = None
        self.creds.forget_login()
        if session is not None:
            await session.stop()
        self.account_id = self.display_name = ""
        self.contacts.clear()
        self.presence.clear()
        if notify:
            self._publish("logout", {"result": True, "cause": 0})
        if self.appstate.state >= AppState.LOGIN and self.server:
            try:
                await self._open_link()
                self._state(AppState.LOGIN)
            except ProbeError as exc:
                self._lost(exc.reason)

    # --- own presence -----------------------------------------------------------------
    def _own_status_changed(self, snapshot: dict[str, Any]) -> None:
        if self.logged_in and snapshot.get("appState", 0) >= AppState.NORMAL:
            self._publish_own_presence()

    def _publish_own_presence(self) -> None:
        if self.session is None:
            return
        status = self.appstate.status
        busy = status.ext_status in (5, 7, 8, 9, 10) or status.state >= AppState.WAIT
        ext = OWN_BUSY if busy else OWN_IDLE
        key = (ext, status.additional_status)
        if key == self._published_ext:
            return
        self._published_ext = key  # type: ignore[assignment]
        self.session.publish_presence(ext, "dnd" if busy else "", status.additional_status)

    # --- address book -----------------------------------------------------------------
    def peer_dn(self, jid: str) -> str:
        item = self.contacts.get(jid)
        if item is not None and item.name:
            return item.name
        return jid.split("@")[0]

    def contact_entry(self, jid: str) -> dict[str, Any]:
        presence = self.presence.get(jid) or ContactPresence()
        return {"peerId": jid, "peerDn": self.peer_dn(jid), "isEditable": True, **presence.fields()}

    def abook(self) -> list[dict[str, Any]]:
        return [self.contact_entry(jid) for jid in sorted(self.contacts)]

    def require_session(self) -> XmppSession:
        if not self.logged_in or self.session is None:
            raise NotConnected("not logged in: send login first")
        return self.session

    def to_call_id(self, peer: str) -> str:
        """The CallId of a peer text on this server; BadPeerId (an IdError) when it is none."""
        try:
            return ids.call_id(peer, self.domain)
        except ids.IdError as exc:
            raise BadPeerId(str(exc)) from None

    def to_target(self, peer: str) -> str:
        """An InstanceId kept as it is, else the CallId: where a message to `peer` goes."""
        try:
            return ids.instance_or_call_id(peer, self.domain)
        except ids.IdError as exc:
            raise BadPeerId(str(exc)) from None

    def send_command(self, peer: str, text: str) -> None:
        """sendCommand: a text to another room (or a person's client), announced as sent."""
        session = self.require_session()
        session.send_command(self.to_target(peer), text)
        self._publish("commandSent", {"peerId": peer, "command": text, "confId": ""})

    # --- server lists -----------------------------------------------------------------
    def servers(self) -> list[dict[str, Any]]:
        """The servers this room has used, the latest first."""
        return self.creds.servers()

    def remove_server(self, text: str) -> None:
        if not self.creds.remove_server(text):
            raise NetworkError(f"'{text}' is not in the list of servers")

    def announce_available_servers(self) -> None:
        """getAvailableServersList: meetroom searches no network, it offers the servers it has used."""
        servers = [{"serverName": server_text(s), "server": s["server"], "port": s["port"]} for s in self.servers()]
        self._publish("availableServersListLoaded", {"serverList": servers})

    async def connect_to_service(self) -> None:
        """connectToService: the remembered service, which is the latest server used."""
        servers = self.servers()
        if not servers:
            raise NetworkError("no conferencing service is configured: use connectToServer with an XMPP server address")
        await self.connect_to_server(servers[0]["server"], servers[0]["port"], service=True)

    # --- SessionListener --------------------------------------------------------------
    def roster_pushed(self, items: list[RosterItem]) -> None:
        added, deleted, renamed = [], [], []
        joined, left = [], []
        for item in items:
            before = self.contacts.get(item.jid)
            if item.subscription == "remove":
                if before is not None:
                    del self.contacts[item.jid]
                    deleted.append({"peerId": item.jid, "peerDn": before.name or item.jid.split("@")[0]})
                    left += [(g, item.jid, before.name) for g in before.groups]
                continue
            self.contacts[item.jid] = item
            if before is None:
                added.append(self.contact_entry(item.jid))
                joined += [(g, item.jid, item.name) for g in item.groups]
                continue
            if before.name != item.name:
                renamed.append({"peerId": item.jid, "peerDn": self.peer_dn(item.jid)})
            joined += [(g, item.jid, item.name) for g in item.groups if g not in before.groups]
            left += [(g, item.jid, item.name) for g in before.groups if g not in item.groups]
        if added:
            self._publish("contactsAdded", {"contacts": added})
        if deleted:
            self._publish("contactsDeleted", {"contacts": deleted})
        if renamed:
            self._publish("contactsRenamed", {"contacts": renamed})
        self._publish_membership("usersAddedToGroups", "addedUsers", joined)
        self._publish_membership("usersRemovedFromGroups", "removedUsers", left)

    def _publish_membership(self, event: str, key: str, changes: list[tuple[str, str, str]]) -> None:
        if not changes:
            return
        entries = [
            {
                "groupId": self.groups.group_id(self.account_id, group),
                "name": group,
                "peerId": jid,
                "peerDn": name or jid.split("@")[0],
            }
            for group, jid, name in changes
        ]
        self._publish(event, {key: entries})

    # --- groups -----------------------------------------------------------------------
    def roster_groups(self) -> set[str]:
        return {g for item in self.contacts.values() for g in item.groups}

    def group_list(self) -> list[dict[str, Any]]:
        out = []
        for name in self.groups.names(self.account_id, self.roster_groups()):
            members = [
                {"peerId": jid, "peerDn": self.peer_dn(jid)}
                for jid, item in sorted(self.contacts.items())
                if name in item.groups
            ]
            out.append({"groupId": self.groups.group_id(self.account_id, name), "name": name, "users": members})
        return out

    def find_group(self, group_id: int) -> str | None:
        return self.groups.name_of(self.account_id, group_id, self.roster_groups())

    def presence_received(self, info: PresenceInfo) -> None:
        if info.bare == self.account_id:
            return
        contact = self.presence.setdefault(info.bare, ContactPresence())
        before = contact.fields()
        contact.apply(info)
        if info.bare in self.contacts and contact.fields() != before:
            self._publish("usersStatusesChanged", {"usersStatuses": [self.contact_entry(info.bare)]})

    def chat_received(self, message: ChatMessage) -> None:
        direction = OUTGOING if message.outgoing else INCOMING
        if not self.chats.add(self.account_id, message.peer, direction, message.body, message.time, [message.msg_id]):
            return
        if message.outgoing:
            self._publish("chatMessageSent", {"peerId": message.peer, "message": message.body})
            return
        self._announce_incoming(message)

    def _announce_incoming(self, message: ChatMessage) -> None:
        self._publish(
            "incomingChatMessage",
            {
                "peerId": message.peer,
                "peerDn": self.peer_dn(message.peer),
                "chatId": chat_id(message.peer),
                "message": message.body,
                "time": int(message.time),
                "confId": "",
            },
        )

    def command_received(self, sender_full: str, text: str) -> None:
        self._publish("commandReceived", {"peerId": sender_full, "command": text})

    def block_changed(self, blocked: bool, jids: list[str]) -> None:
        event = "contactBlocked" if blocked else "contactUnblocked"
        for jid in jids:
            self._publish(event, {"peerId": jid, "peerDn": self.peer_dn(jid)})

    def session_lost(self, reason: str, *, retry: bool) -> None:
        session, self.session = self.session, None
        if session is not None:
            self.spawn(session.stop())
        if not retry:
            self._login = None
            self.account_id = self.display_name = ""
            self._publish("logout", {"result": True, "cause": 1, "reason": reason})
            self.spawn(self._after_forced_logout(reason))
            return
        self._state(AppState.CONNECTING)
        self._lost(reason)

    async def _after_forced_logout(self, reason: str) -> None:
        try:
            await self._open_link()
            self._state(AppState.LOGIN)
        except ProbeError as exc:
            self._state(AppState.CONNECTING)
            self._lost(exc.reason)

    # --- chat -------------------------------------------------------------------------
    def send_chat(self, peer: str, text: str) -> str:
        """Send a chat message, keep it in the history and announce it; returns the CallId."""
        session = self.require_session()
        target = self.to_target(peer)
        bare = self.to_call_id(peer)
        msg_id = session.send_chat(target, text)
        self.chats.add(self.account_id, bare, OUTGOING, text, time.time(), [msg_id])
        self._publish("chatMessageSent", {"peerId": bare, "message": text, "chatId": chat_id(bare)})
        return bare

    def chat_peer(self, cid: str) -> str:
        """The CallId a chat id (or a CallId given in its place) stands for."""
        if not self.account_id:
            raise NotConnected("not logged in: send login first")
        peer = self.chats.peer_of(self.account_id, cid)
        if peer is None and "@" in cid:  # a CallId given in place of the chat id
            peer = self.to_call_id(cid)
        if peer is None:
            raise NetworkError(f"there is no chat '{cid}'")
        return peer

    def chat_list(self) -> list[dict[str, Any]]:
        """getListOfChats: one entry per peer with a stored history; none before a login."""
        if not self.account_id:
            return []
        return [
            {
                "chatId": chat_id(peer),
                "callId": peer,
                "title": self.group_chats.get(peer) or self.peer_dn(peer),
                "group": peer in self.group_chats,  # a conference's chat (calls/conference)
            }
            for peer in self.chats.chats(self.account_id)
        ]

    def last_messages(self, peer: str, begin: int, count: int) -> list[StoredMessage]:
        return self.chats.last_messages(self.account_id, peer, begin, count)

    def clear_chat(self, peer: str) -> None:
        self.chats.clear(self.account_id, peer)
        self._publish("cmdChatClear", {"id": chat_id(peer), "chatId": chat_id(peer)})

    async def _sync_archive(self, session: XmppSession) -> None:
        """Merge the server archive into the local history (messages missed while away)."""
        since = self.chats.latest_time(session.bare)
        try:
            archived = await session.archived_chats(since - 300 if since else None)
        except Exception as exc:  # no archive on this server: live history only
            log.info("message archive not available: %s", exc)
            return
        for message in archived:
            origin = message.extra.get("origin", "")
            direction = OUTGOING if message.outgoing else INCOMING
            ids_ = [message.msg_id, origin]
            new = self.chats.add(session.bare, message.peer, direction, message.body, message.time, ids_)
            if new and not message.outgoing:
                self._announce_incoming(message)
