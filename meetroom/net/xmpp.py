"""The XMPP adapter: one logged-in session on the conferencing server, built on slixmpp.

It turns stanzas into plain Python values for the network service (roster items, presences,
chat messages, commands, block-list changes) and offers the few operations the API needs.
Other stanza kinds (Jingle calls, MUC) plug in through `add_handler` and `send`, so later
features extend the session without touching this file.

Connections go only to the address and port given: slixmpp does a DNS SRV lookup when no
address is passed, so `connect` is always called with both.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from slixmpp import ClientXMPP, Iq, Message, Presence
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.jid import JID
from slixmpp.xmlstream import ET
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from meetroom.core.addresses import is_loopback
from meetroom.net.fileoffer import NS_FILE

log = logging.getLogger(__name__)

NS_PRESENCE = "urn:meetroom:presence:0"
NS_COMMAND = "urn:meetroom:command:0"
NS_HINTS = "urn:xmpp:hints"
NS_SID = "urn:xmpp:sid:0"
NS_DELAY = "urn:xmpp:delay"
IQ_TIMEOUT = 10

PLUGINS = ("xep_0012", "xep_0030", "xep_0054", "xep_0059", "xep_0191", "xep_0199", "xep_0203", "xep_0280", "xep_0313")


@functools.cache
def tls_context(cafile: str = "") -> ssl.SSLContext:
    """Made once per CA file: loading the system CA store costs ~50 ms, too much per login.

    `cafile` adds a trusted certificate (e.g. a private server's own) to the system ones.
    """
    context = ssl.create_default_context()
    if cafile:
        context.load_verify_locations(cafile=cafile)
    return context


class LoginFailed(Exception):
    """Login did not succeed; `code` is the API's login result code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class RosterItem:
    jid: str
    name: str = ""
    groups: tuple[str, ...] = ()
    subscription: str = "none"
    ask: str = ""


@dataclass
class PresenceInfo:
    full_jid: str
    bare: str
    available: bool
    show: str = ""
    status: str = ""
    ext: int | None = None
    error: bool = False


@dataclass
class ChatMessage:
    peer: str  # bare JID of the other side
    body: str
    time: float
    outgoing: bool
    msg_id: str = ""  # stanza-id given by the server, else origin-id / id
    sender_full: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class SessionListener(Protocol):
    def roster_pushed(self, items: list[RosterItem]) -> None: ...
    def presence_received(self, info: PresenceInfo) -> None: ...
    def chat_received(self, message: ChatMessage) -> None: ...
    def command_received(self, sender_full: str, text: str) -> None: ...
    def block_changed(self, blocked: bool, jids: list[str]) -> None: ...
    def session_lost(self, reason: str, *, retry: bool) -> None: ...


def _roster_items(iq: Iq) -> list[RosterItem]:
    out = []
    for jid, data in iq["roster"]["items"].items():
        out.append(
            RosterItem(
                jid=JID(jid).bare.lower(),
                name=data.get("name") or "",
                groups=tuple(data.get("groups") or ()),
                subscription=data.get("subscription") or "none",
                ask=data.get("ask") or "",
            )
        )
    return out


def _message_id(msg: Message, own_bare: str) -> str:
    """The id that de-duplicates live, carbon and archived copies of one message."""
    for el in msg.xml.findall(f"{{{NS_SID}}}stanza-id"):
        if el.get("by", "").lower() == own_bare:
            return "s:" + el.get("id", "")
    origin = msg.xml.find(f"{{{NS_SID}}}origin-id")
    if origin is not None and origin.get("id"):
        return "o:" + origin.get("id", "")
    return "i:" + msg["id"] if msg["id"] else ""


def _origin_id(msg: Message) -> str:
    origin = msg.xml.find(f"{{{NS_SID}}}origin-id")
    if origin is not None and origin.get("id"):
        return origin.get("id", "")
    return msg["id"] or ""


def _delay_time(msg: Message, default: float) -> float:
    delay = msg.xml.find(f"{{{NS_DELAY}}}delay")
    if delay is not None and delay.get("stamp"):
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(delay.get("stamp", "").replace("Z", "+00:00")).timestamp()
    return default


class XmppSession:
    """One login: connect, authenticate, then serve the room until stopped or lost."""

    def __init__(
        self,
        jid: str,
        password: str,
        host: str,
        port: int,
        listener: SessionListener,
        *,
        keepalive: float = 30.0,
        cafile: str = "",
    ) -> None:
        self.jid = JID(jid)
        self.host, self.port = host, port
        self.listener = listener
        client = ClientXMPP(jid, password, ssl_context=tls_context(cafile))
        # STARTTLS whenever the server offers it (certificate checked against the domain);
        # a server without TLS (the loopback dev server) is used in plain text
        client.enable_starttls = True
        client.enable_direct_tls = False
        client.enable_plaintext = True
        # a meeting room accepts subscription requests and subscribes back (xmpp.md §6.2)
        client.auto_authorize = True
        client.auto_subscribe = True
        for name in PLUGINS:
            client.register_plugin(name)
        # a clear-text password (SASL PLAIN without TLS) only ever goes over loopback
        client.plugin["feature_mechanisms"].unencrypted_plain = is_loopback(host)
        self.client = client
        self._keepalive_interval = keepalive
        self._keepalive: asyncio.Task | None = None
        self.roster: dict[str, RosterItem] = {}
        self.blocked: set[str] = set()
        self.stream_error = ""
        self._started: asyncio.Future | None = None
        self._stopping = False
        self._ready = False
        self._outgoing_ids: set[str] = set()
        client.add_event_handler("session_start", self._on_session_start)
        client.add_event_handler("failed_all_auth", self._on_auth_failed)
        client.add_event_handler("connection_failed", self._on_connection_failed)
        client.add_event_handler("disconnected", self._on_disconnected)
        client.add_event_handler("stream_error", self._on_stream_error)
        client.add_event_handler("roster_update", self._on_roster_push)
        client.add_event_handler("presence", self._on_presence)
        client.add_event_handler("message", self._on_message)
        client.add_event_handler("carbon_received", self._on_carbon_received)
        client.add_event_handler("carbon_sent", self._on_carbon_sent)
        client.add_event_handler("blocked", lambda iq: self._on_block_push(iq, True))
        client.add_event_handler("unblocked", lambda iq: self._on_block_push(iq, False))
        self.add_handler("meetroom-command", f"{{jabber:client}}message/{{{NS_COMMAND}}}command", self._on_command)

    # --- extension hook ---------------------------------------------------------------
    def add_handler(self, name: str, xpath: str, callback: Callable[[Any], None]) -> None:
        """Route stanzas matching `xpath` to `callback` (used by calls and conferences)."""
        self.client.register_handler(Callback(name, MatchXPath(xpath), callback))

    def send(self, stanza: Any) -> None:
        stanza.send()

    @property
    def full_jid(self) -> str:
        return str(self.client.boundjid)

    @property
    def bare(self) -> str:
        return self.client.boundjid.bare.lower()

    # --- lifecycle --------------------------------------------------------------------
    async def start(self, timeout: float = 10.0) -> None:
        """Connect and log in; raises LoginFailed with the API result code."""
        self._started = asyncio.get_running_loop().create_future()
        self.client.connect(host=self.host, port=self.port)
        try:
            async with asyncio.timeout(timeout):  # not wait_for: it can lose a cancel (core/tasks.py)
                await asyncio.shield(self._started)
        except TimeoutError:
            await self.stop()
            raise LoginFailed(7, f"the server did not complete the login within {timeout:g} s") from None
        except LoginFailed:
            await self.stop()
            raise

    def _fail(self, code: int, reason: str) -> None:
        if self._started is not None and not self._started.done():
            self._started.set_exception(LoginFailed(code, reason))

    async def _on_session_start(self, _event: Any) -> None:
        try:
            result = await self.client.get_roster(timeout=IQ_TIMEOUT)
            self.roster = {item.jid: item for item in _roster_items(result)} if result is not None else {}
            with contextlib.suppress(IqError, IqTimeout):
                await self.client.plugin["xep_0280"].enable(timeout=IQ_TIMEOUT)
            # fetching the block list subscribes this resource to block/unblock pushes
            with contextlib.suppress(IqError, IqTimeout):
                blocked = await self.client.plugin["xep_0191"].get_blocked(timeout=IQ_TIMEOUT)
                self.blocked = {JID(item["jid"]).bare.lower() for item in blocked["blocklist"]["items"]}
        except (IqError, IqTimeout) as exc:
            self._fail(7, f"the server did not send the address book: {exc}")
            return
        self._ready = True
        self._keepalive = asyncio.create_task(self._keep_alive())
        if self._started is not None and not self._started.done():
            self._started.set_result(None)

    async def _keep_alive(self) -> None:
        """Ping the server; no answer in time means a dead link, reported as a loss.

        slixmpp's own keepalive would reconnect by itself; the network service decides
        about reconnecting, so this session only closes the dead transport.
        """
        interval = self._keepalive_interval
        timeout = max(1.0, min(20.0, interval / 2))
        while self._ready:
            await asyncio.sleep(interval)
            try:
                await self.client.plugin["xep_0199"].ping(timeout=timeout)
            except IqError:
                continue  # any answer, even an error, proves the link is alive
            except IqTimeout:
                log.warning("no answer to ping within %.0f s: closing the connection", timeout)
                self.stream_error = "no answer to ping"
                self.client.abort()
                return

    def _on_auth_failed(self, _event: Any) -> None:
        self._fail(3, "wrong login or password")
        self.client.abort()

    def _on_connection_failed(self, error: Any) -> None:
        self.client.cancel_connection_attempt()
        self._fail(7, f"cannot reach {self.host}:{self.port}: {error}")

    def _on_stream_error(self, error: Any) -> None:
        self.stream_error = error["condition"] or "stream error"
        if error["condition"] == "host-unknown":
            self._fail(2, f"the server does not serve the domain '{self.jid.domain}'")
        elif error["condition"] == "conflict":
            self._fail(1, "this instance is already logged in elsewhere")

    def _on_disconnected(self, reason: Any) -> None:
        if self._started is not None and not self._started.done():
            self._fail(7, f"the server closed the connection during login ({self.stream_error or reason})")
            return
        self.client.cancel_connection_attempt()
        if self._stopping or not self._ready:
            return
        self._ready = False
        if self.stream_error == "conflict":
            # the same InstanceId logged in elsewhere: logging in again would only fight it
            self.listener.session_lost("this instance logged in from another place", retry=False)
            return
        text = self.stream_error or str(reason or "connection closed")
        self.listener.session_lost(f"connection to the server lost: {text}", retry=True)

    async def stop(self) -> None:
        """Log out cleanly (unavailable presence, closing the stream)."""
        self._stopping = True
        self._ready = False
        if self._keepalive is not None and self._keepalive is not asyncio.current_task():
            self._keepalive.cancel()
        client = self.client
        client.cancel_connection_attempt()
        if client.transport is not None:
            with contextlib.suppress(Exception):
                client.send_presence(ptype="unavailable")
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(wait=1.0), 3.0)
        if client.transport is not None:
            client.abort()
        for plugin in list(client.plugin):
            with contextlib.suppress(Exception):
                client.plugin.disable(plugin)

    @property
    def ready(self) -> bool:
        return self._ready

    # --- presence ---------------------------------------------------------------------
    def publish_presence(self, ext: int, show: str = "", status: str = "") -> None:
        """Own presence: priority 0 on every meetroom resource, plus the extStatus extension."""
        pres = self.client.make_presence(pshow=show or None, pstatus=status or None, ppriority=0)
        state = ET.Element(f"{{{NS_PRESENCE}}}state", {"ext": str(ext)})
        pres.append(state)
        pres.send()

    async def flush(self) -> None:
        """Wait until the server has processed everything sent so far (one IQ round trip).

        A server handles a stream's stanzas in order, so after the answer the room's presence
        is known to the server and messages to the room are routed to it.
        """
        with contextlib.suppress(IqError, IqTimeout):
            await self.client.plugin["xep_0199"].ping(timeout=IQ_TIMEOUT)

    def _on_presence(self, pres: Presence) -> None:
        ptype = pres["type"]
        if ptype in ("subscribe", "subscribed", "unsubscribe", "unsubscribed", "probe"):
            return
        sender = pres["from"]
        if sender.bare.lower() == self.bare and sender.full == self.full_jid:
            return
        ext = None
        state = pres.xml.find(f"{{{NS_PRESENCE}}}state")
        if state is not None:
            with contextlib.suppress(ValueError):
                ext = int(state.get("ext", ""))
        available = ptype not in ("unavailable", "error")
        info = PresenceInfo(
            full_jid=str(sender),
            bare=sender.bare.lower(),
            available=available,
            show=pres["show"] if available else "",
            status=pres["status"] or "",
            ext=ext,
            error=ptype == "error",
        )
        self.listener.presence_received(info)

    # --- roster -----------------------------------------------------------------------
    def _on_roster_push(self, iq: Iq) -> None:
        if iq["type"] == "set":  # pushes; the initial result is read in _on_session_start
            items = _roster_items(iq)
            for item in items:
                if item.subscription == "remove":
                    self.roster.pop(item.jid, None)
                else:
                    self.roster[item.jid] = item
            self.listener.roster_pushed(items)

    async def roster_set(self, jid: str, name: str, groups: tuple[str, ...]) -> None:
        iq = self.client.make_iq_set()
        iq["roster"]["items"] = {jid: {"name": name, "groups": list(groups), "subscription": None}}
        await iq.send(timeout=IQ_TIMEOUT)

    async def roster_remove(self, jid: str) -> None:
        iq = self.client.make_iq_set()
        iq["roster"]["items"] = {jid: {"subscription": "remove"}}
        await iq.send(timeout=IQ_TIMEOUT)

    def subscribe(self, jid: str) -> None:
        self.client.send_presence(pto=jid, ptype="subscribe")

    # --- chat and commands ------------------------------------------------------------
    def send_chat(self, to: str, body: str) -> str:
        origin = uuid.uuid4().hex
        msg = self.client.make_message(mto=to, mbody=body, mtype="chat")
        msg["id"] = origin
        msg.append(ET.Element(f"{{{NS_SID}}}origin-id", {"id": origin}))
        self._outgoing_ids.add(origin)
        msg.send()
        return "o:" + origin

    def send_command(self, to: str, text: str) -> None:
        msg = self.client.make_message(mto=to, mtype="headline")
        cmd = ET.Element(f"{{{NS_COMMAND}}}command")
        cmd.text = text
        msg.append(cmd)
        msg.append(ET.Element(f"{{{NS_HINTS}}}no-store"))
        msg.append(ET.Element(f"{{{NS_HINTS}}}no-copy"))
        msg.send()

    def _on_command(self, msg: Message) -> None:
        el = msg.xml.find(f"{{{NS_COMMAND}}}command")
        if el is None or msg["type"] == "error":
            return
        self.listener.command_received(str(msg["from"]), el.text or "")

    def _chat_from(self, msg: Message, outgoing: bool, default_time: float) -> ChatMessage | None:
        if msg["type"] not in ("chat", "normal") or not msg["body"]:
            return None
        if msg.xml.find(f"{{{NS_FILE}}}offer") is not None:
            return None  # another meetroom's file offer: a file request (net/filetransfer.py), not chat
        peer = msg["to"] if outgoing else msg["from"]
        return ChatMessage(
            peer=peer.bare.lower(),
            body=msg["body"],
            time=_delay_time(msg, default_time),
            outgoing=outgoing,
            msg_id=_message_id(msg, self.bare),
            sender_full=str(msg["from"]),
        )

    def _on_message(self, msg: Message) -> None:
        if msg["type"] == "error":
            return
        if msg.xml.find("{urn:xmpp:carbons:2}received") is not None:
            return
        if msg.xml.find("{urn:xmpp:carbons:2}sent") is not None:
            return
        chat = self._chat_from(msg, False, time.time())
        if chat is not None:
            self.listener.chat_received(chat)

    def _on_carbon_received(self, msg: Message) -> None:
        inner = msg["carbon_received"]
        chat = self._chat_from(inner, False, time.time())
        if chat is not None:
            self.listener.chat_received(chat)

    def _on_carbon_sent(self, msg: Message) -> None:
        inner = msg["carbon_sent"]
        if _origin_id(inner) in self._outgoing_ids:
            return
        chat = self._chat_from(inner, True, time.time())
        if chat is not None:
            self.listener.chat_received(chat)

    async def archived_chats(self, since: float | None, limit: int = 500) -> list[ChatMessage]:
        """One-to-one messages from the account archive (MAM), oldest first."""
        start = datetime.fromtimestamp(since).astimezone() if since else None
        out: list[ChatMessage] = []
        mam = self.client.plugin["xep_0313"]
        async for result in mam.iterate(start=start, rsm={"max": 100}, total=limit):
            forwarded = result["mam_result"]["forwarded"]
            inner = forwarded["stanza"]
            stamp = forwarded["delay"]["stamp"]
            when = stamp.timestamp() if isinstance(stamp, datetime) else time.time()
            outgoing = inner["from"].bare.lower() == self.bare
            chat = self._chat_from(inner, outgoing, when)
            if chat is None:
                continue
            chat.time = when
            chat.msg_id = "s:" + result["mam_result"]["id"]
            chat.extra["origin"] = "o:" + _origin_id(inner) if _origin_id(inner) else ""
            out.append(chat)
        return out

    # --- blocking and details ---------------------------------------------------------
    def _on_block_push(self, iq: Iq, blocked: bool) -> None:
        key = "block" if blocked else "unblock"
        jids = [JID(item["jid"]).bare.lower() for item in iq[key]["items"]]
        if blocked:
            self.blocked.update(jids)
        elif not jids:
            jids = sorted(self.blocked)
            self.blocked.clear()
        else:
            self.blocked.difference_update(jids)
        self.listener.block_changed(blocked, jids)

    async def block(self, jid: str) -> None:
        await self.client.plugin["xep_0191"].block(jid, timeout=IQ_TIMEOUT)

    async def unblock(self, jid: str) -> None:
        await self.client.plugin["xep_0191"].unblock(jid, timeout=IQ_TIMEOUT)

    async def blocklist(self) -> list[str]:
        result = await self.client.plugin["xep_0191"].get_blocked(timeout=IQ_TIMEOUT)
        return sorted(JID(item["jid"]).bare.lower() for item in result["blocklist"]["items"])

    async def vcard(self, jid: str | None) -> dict[str, str]:
        """vcard-temp fields meetroom shows; an account without a vCard gives empty values."""
        try:
            iq = await self.client.plugin["xep_0054"].get_vcard(jid=jid, local=False, cached=False, timeout=IQ_TIMEOUT)
        except IqError:
            return {}
        card = iq["vcard_temp"]
        phones = {"CELL": "", "WORK": "", "HOME": ""}
        untyped = ""
        for tel in card.xml.findall("{vcard-temp}TEL"):
            number = (tel.findtext("{vcard-temp}NUMBER") or "").strip()
            kinds = [k for k in phones if tel.find(f"{{vcard-temp}}{k}") is not None]
            for kind in kinds:
                phones[kind] = phones[kind] or number
            if not kinds:
                untyped = untyped or number
        # Prosody's vCard4 conversion drops the CELL flag: an untyped number counts as the mobile one
        phones["CELL"] = phones["CELL"] or untyped
        return {
            "fn": card["FN"] or "",
            "nickname": card["NICKNAME"] or "",
            "given": card["N"]["GIVEN"] or "",
            "family": card["N"]["FAMILY"] or "",
            "company": card.xml.findtext("{vcard-temp}ORG/{vcard-temp}ORGNAME") or "",
            "mobile": phones["CELL"],
            "work": phones["WORK"],
            "home": phones["HOME"],
        }

    async def idle_seconds(self, jid: str) -> int | None:
        """Seconds since an offline contact was last online (XEP-0012); None when not told."""
        try:
            iq = await self.client.plugin["xep_0012"].get_last_activity(JID(jid), timeout=IQ_TIMEOUT)
        except (IqError, IqTimeout):
            return None
        with contextlib.suppress(ValueError, TypeError):
            return int(iq["last_activity"]["seconds"])
        return None

    async def publish_vcard(self, full_name: str) -> None:
        plugin = self.client.plugin["xep_0054"]
        card = plugin.make_vcard()
        card["FN"] = full_name
        await plugin.publish_vcard(card, timeout=IQ_TIMEOUT)
