"""Conference stanzas on the XMPP session: MUC (XEP-0045) presences, group chat, invitations.

The conference machine thinks in occupants, group messages and invitations; this module turns
stanzas into those plain values (for a `MucListener`) and builds the few stanzas the machine asks
for: join, leave, the room configuration form, role and affiliation changes, destroy, group chat,
XEP-0249 direct invitations carrying meetroom's `<invite/>` and meetroom's `<decline/>`.
Like calls/signalling.py it registers raw handlers on every new session and holds no state but
the MUC service it found.
"""

from __future__ import annotations

import contextlib
import logging
import time
import xml.etree.ElementTree as ET
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from slixmpp.exceptions import IqError, IqTimeout

if TYPE_CHECKING:
    from meetroom.net.service import NetworkService
    from meetroom.net.xmpp import XmppSession

log = logging.getLogger(__name__)

MUC = "http://jabber.org/protocol/muc"
MUC_USER = f"{MUC}#user"
MUC_ADMIN = f"{MUC}#admin"
MUC_OWNER = f"{MUC}#owner"
X_CONFERENCE = "jabber:x:conference"  # XEP-0249 direct invitation
DATA = "jabber:x:data"
DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
DISCO_INFO = "http://jabber.org/protocol/disco#info"
NS_CONFERENCE = "urn:meetroom:conference:0"
NS_DELAY = "urn:xmpp:delay"
HISTORY_STANZAS = 50  # the room's last messages a joiner asks for (getChatLastMessages shows them)
NS_SID = "urn:xmpp:sid:0"
NS_MAM = "urn:xmpp:mam:2"
NS_FORWARD = "urn:xmpp:forward:0"
ARCHIVE_PAGE = 50  # Prosody's max_archive_query_results
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
VOICE_REQUEST = f"{MUC}#request"
IQ_TIMEOUT = 10.0


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


@dataclass(frozen=True)
class Occupant:
    """One occupant presence of a room (ours included: code 110), or a join error (`error`)."""

    room: str  # bare room JID, lowercase
    nick: str
    real_jid: str = ""  # the occupant's full JID (rooms are whois=anyone); "" when hidden
    affiliation: str = "none"
    role: str = "none"
    available: bool = True
    codes: frozenset[int] = frozenset()
    destroyed: bool = False
    error: str = ""  # presence type='error': the stanza error condition
    mesh: bool = False  # carries meetroom's <mesh/>: the occupant takes part in the media mesh

    @property
    def is_self(self) -> bool:
        return 110 in self.codes


@dataclass(frozen=True)
class GroupMessage:
    room: str
    nick: str
    body: str
    time: float
    delayed: bool = False
    msg_id: str = ""
    real_jid: str = ""  # the sender's real JID when the room tells it (an archived message of a whois=anyone room)


@dataclass(frozen=True)
class Invitation:
    """A direct invitation; `fields` are meetroom's `<invite/>` attributes (empty from other clients)."""

    sender: str  # full JID of the inviter
    room: str
    reason: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Decline:
    sender: str
    conf_id: str
    cause: int


@dataclass(frozen=True)
class ConfSignal:
    """A meetroom conference control message between participants (podium, remote devices)."""

    sender: str  # full JID
    conf_id: str
    name: str  # the element's name: "device", "podium-invite", "podium-accept", ...
    attrs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VoiceRequest:
    """A visitor asks for voice (XEP-0045 §8.6); the room forwards the form to its moderators."""

    room: str
    jid: str  # the requester's real full JID ("" when the room hides it)
    nick: str


MucEvent = Occupant | GroupMessage | Invitation | Decline | ConfSignal | VoiceRequest
SIGNAL_SKIP = ("invite", "decline", "mesh", "conference")  # meetroom elements read elsewhere


@dataclass(frozen=True)
class RoomInfo:
    """What disco#info tells about a room before joining it."""

    exists: bool
    title: str = ""
    members_only: bool = False
    description: str = ""


class MucListener(Protocol):
    def muc_event(self, event: MucEvent) -> None: ...


def read_occupant(xml: ET.Element) -> Occupant | None:
    """The occupant a MUC presence describes, or None for a presence that is not from a room."""
    sender = xml.get("from") or ""
    room, _, nick = sender.partition("/")
    if xml.get("type") == "error":
        error = xml.find("{jabber:client}error")
        condition = "undefined-condition"
        if error is not None:
            for child in error:
                if child.tag.startswith(f"{{{STANZAS}}}") and not child.tag.endswith("}text"):
                    condition = child.tag.rpartition("}")[2]
                    break
        if xml.find(_q(MUC, "x")) is None and error is None:
            return None
        return Occupant(room.lower(), nick, available=False, error=condition)
    x = xml.find(_q(MUC_USER, "x"))
    if x is None or not nick:
        return None
    item = x.find(_q(MUC_USER, "item"))
    codes = frozenset(int(s.get("code", "0")) for s in x.findall(_q(MUC_USER, "status")) if s.get("code", "").isdigit())
    return Occupant(
        room=room.lower(),
        nick=nick,
        real_jid=(item.get("jid") or "") if item is not None else "",
        affiliation=(item.get("affiliation") or "none") if item is not None else "none",
        role=(item.get("role") or "none") if item is not None else "none",
        available=xml.get("type") != "unavailable",
        codes=codes,
        destroyed=x.find(_q(MUC_USER, "destroy")) is not None,
        mesh=xml.find(_q(NS_CONFERENCE, "mesh")) is not None,
    )


def read_invitation(xml: ET.Element) -> Invitation | None:
    x = xml.find(_q(X_CONFERENCE, "x"))
    if x is None or not x.get("jid"):
        return None
    extra = xml.find(_q(NS_CONFERENCE, "invite"))
    fields = dict(extra.attrib) if extra is not None else {}
    return Invitation(xml.get("from") or "", (x.get("jid") or "").lower(), x.get("reason") or "", fields)


def read_decline(xml: ET.Element) -> Decline | None:
    el = xml.find(_q(NS_CONFERENCE, "decline"))
    if el is None:
        return None
    try:
        cause = int(el.get("cause", "0"))
    except ValueError:
        cause = 0
    return Decline(xml.get("from") or "", el.get("id") or "", cause)


def read_signal(xml: ET.Element) -> ConfSignal | None:
    for child in xml:
        if child.tag.startswith(f"{{{NS_CONFERENCE}}}"):
            name = child.tag.rpartition("}")[2]
            if name not in SIGNAL_SKIP:
                attrs = {k: v for k, v in child.attrib.items() if k != "conf"}
                return ConfSignal(xml.get("from") or "", child.get("conf") or "", name, attrs)
    return None


def _form_values(form: ET.Element) -> dict[str, str]:
    return {f.get("var") or "": f.findtext(_q(DATA, "value")) or "" for f in form.findall(_q(DATA, "field"))}


def read_voice_request(xml: ET.Element) -> VoiceRequest | None:
    sender = xml.get("from") or ""
    if "/" in sender:
        return None  # the room forwards requests from its own bare JID
    for form in xml.findall(_q(DATA, "x")):
        values = _form_values(form)
        if values.get("FORM_TYPE") == VOICE_REQUEST and values.get("muc#role") == "participant":
            return VoiceRequest(sender.lower(), values.get("muc#jid", ""), values.get("muc#roomnick", ""))
    return None


def _delay(xml: ET.Element) -> float | None:
    delay = xml.find(_q(NS_DELAY, "delay"))
    if delay is None or not delay.get("stamp"):
        return None
    with contextlib.suppress(ValueError):
        return datetime.fromisoformat((delay.get("stamp") or "").replace("Z", "+00:00")).timestamp()
    return time.time()


def read_archived(result: ET.Element, room: str) -> GroupMessage | None:
    """One XEP-0313 result from a room's archive: the forwarded group message, its archive id
    (the room's stanza-id, as live messages carry it) and the delay stamp of the archive."""
    forwarded = result.find(_q(NS_FORWARD, "forwarded"))
    inner = forwarded.find("{jabber:client}message") if forwarded is not None else None
    if forwarded is None or inner is None:
        return None
    body = inner.findtext("{jabber:client}body")
    sender, _, nick = (inner.get("from") or "").partition("/")
    if not body or not nick or sender.lower() != room.lower():
        return None
    item = inner.find(f"{_q(MUC_USER, 'x')}/{_q(MUC_USER, 'item')}")
    real = (item.get("jid") or "") if item is not None else ""
    when = _delay(forwarded) or _delay(inner) or time.time()
    return GroupMessage(room.lower(), nick, body, when, True, result.get("id") or "", real)


def read_group_message(xml: ET.Element) -> GroupMessage | None:
    if xml.get("type") != "groupchat":
        return None
    body = xml.findtext("{jabber:client}body")
    room, _, nick = (xml.get("from") or "").partition("/")
    if not body or not nick:
        return None
    when = _delay(xml)
    stanza_id = ""
    for el in xml.findall(_q(NS_SID, "stanza-id")):
        if (el.get("by") or "").lower() == room.lower():
            stanza_id = el.get("id") or ""
    return GroupMessage(room.lower(), nick, body, when or time.time(), when is not None, stanza_id)


def config_form(values: Mapping[str, Any]) -> ET.Element:
    """The muc#owner query submitting the room configuration `values` (field var → value)."""
    query = ET.Element(_q(MUC_OWNER, "query"))
    form = ET.SubElement(query, _q(DATA, "x"), {"type": "submit"})
    entries = {"FORM_TYPE": "http://jabber.org/protocol/muc#roomconfig", **values}
    for var, value in entries.items():
        el = ET.SubElement(form, _q(DATA, "field"), {"var": var})
        ET.SubElement(el, _q(DATA, "value")).text = ("1" if value else "0") if isinstance(value, bool) else str(value)
    return query


class MucChannel:
    def __init__(self, net: NetworkService, listener: MucListener) -> None:
        self.net = net
        self.listener = listener
        self._service: str | None = None
        net.session_hooks.append(self.attach)

    # --- handlers on each session ------------------------------------------------------
    def attach(self, session: XmppSession) -> None:
        self._service = None
        session.add_handler("meetroom-muc-presence", "{jabber:client}presence", lambda p: self._on_presence(session, p))
        session.add_handler("meetroom-muc-message", "{jabber:client}message", lambda m: self._on_message(session, m))

    def _deliver(self, event: MucEvent | None) -> None:
        if event is None:
            return
        try:
            self.listener.muc_event(event)
        except Exception:
            log.exception("handling %s failed", type(event).__name__)

    def _on_presence(self, session: XmppSession, pres: Any) -> None:
        if self.net.session is session:
            self._deliver(read_occupant(pres.xml))

    def _on_message(self, session: XmppSession, msg: Any) -> None:
        if self.net.session is not session or msg.xml.get("type") == "error":
            return
        xml = msg.xml
        event = read_group_message(xml) or read_invitation(xml) or read_decline(xml)
        self._deliver(event or read_signal(xml) or read_voice_request(xml))

    # --- the MUC service ----------------------------------------------------------------
    @property
    def _session(self) -> XmppSession:
        session = self.net.session
        if session is None or not self.net.logged_in:
            raise ConnectionError("not logged in")
        return session

    async def service(self) -> str:
        """The server's MUC service (disco#items, identity conference/text); conference.<domain> if none."""
        if self._service is not None:
            return self._service
        session, domain = self._session, self.net.domain
        found = f"conference.{domain}"
        with contextlib.suppress(IqError, IqTimeout):
            iq = session.client.make_iq_get(ito=domain)
            iq.xml.append(ET.Element(_q(DISCO_ITEMS, "query")))
            reply = await iq.send(timeout=IQ_TIMEOUT)
            for item in reply.xml.iter(_q(DISCO_ITEMS, "item")):
                jid = item.get("jid") or ""
                if jid and await self._is_muc(jid):
                    found = jid.lower()
                    break
        self._service = found
        return found

    async def _is_muc(self, jid: str) -> bool:
        with contextlib.suppress(IqError, IqTimeout):
            iq = self._session.client.make_iq_get(ito=jid)
            iq.xml.append(ET.Element(_q(DISCO_INFO, "query")))
            reply = await iq.send(timeout=IQ_TIMEOUT)
            for identity in reply.xml.iter(_q(DISCO_INFO, "identity")):
                if identity.get("category") == "conference" and identity.get("type") == "text":
                    return True
        return False

    async def room_info(self, room: str) -> RoomInfo:
        """disco#info of a room: whether it exists, its name, members-only, its description."""
        iq = self._session.client.make_iq_get(ito=room)
        iq.xml.append(ET.Element(_q(DISCO_INFO, "query")))
        try:
            reply = await iq.send(timeout=IQ_TIMEOUT)
        except IqError as exc:
            if exc.condition == "item-not-found":
                return RoomInfo(False)
            raise ConnectionError(f"the conference service did not answer: {exc.condition}") from None
        except IqTimeout:
            raise ConnectionError("the conference service did not answer in time") from None
        query = reply.xml.find(_q(DISCO_INFO, "query"))
        if query is None:
            return RoomInfo(False)
        identity = query.find(_q(DISCO_INFO, "identity"))
        features = {f.get("var") for f in query.findall(_q(DISCO_INFO, "feature"))}
        values: dict[str, str] = {}
        for form in query.findall(_q(DATA, "x")):
            values.update(_form_values(form))
        return RoomInfo(
            exists=True,
            title=(identity.get("name") or "") if identity is not None else "",
            members_only="muc_membersonly" in features,
            description=values.get("muc#roominfo_description", ""),
        )

    async def archive(self, room: str, count: int) -> tuple[list[GroupMessage], bool]:
        """The room's last `count` archived group messages (XEP-0313 on the room JID, newest pages
        first), and whether that is all the archive has."""
        mam = self._session.client.plugin["xep_0313"]
        found: list[GroupMessage] = []
        results = 0
        try:
            pages = mam.iterate(jid=room, reverse=True, rsm={"max": min(count, ARCHIVE_PAGE)}, total=count)
            async for result in pages:
                results += 1
                archived = read_archived(result.xml.find(_q(NS_MAM, "result")), room)
                if archived is not None:
                    found.append(archived)
        except (IqError, IqTimeout) as exc:
            raise ConnectionError(f"the room's archive did not answer: {exc}") from None
        return found, results < count

    # --- presence ------------------------------------------------------------------------
    def join(self, room: str, nick: str) -> None:
        pres = self._session.client.make_presence(pto=f"{room}/{nick}")
        x = ET.SubElement(pres.xml, _q(MUC, "x"))
        ET.SubElement(x, _q(MUC, "history"), {"maxstanzas": str(HISTORY_STANZAS)})  # into the chat store
        ET.SubElement(pres.xml, _q(NS_CONFERENCE, "mesh"))  # the room forwards it to every occupant
        pres.send()

    def leave(self, room: str, nick: str) -> None:
        with contextlib.suppress(ConnectionError):
            self._session.client.make_presence(pto=f"{room}/{nick}", ptype="unavailable").send()

    # --- owner and moderator operations --------------------------------------------------
    # Each IQ is on the wire when the method returns (so stanzas keep the order they were asked
    # in); the coroutine returned says whether the room agreed.
    def _iq_set(self, to: str, query: ET.Element) -> Coroutine[Any, Any, bool]:
        iq = self._session.client.make_iq_set(ito=to)
        iq.xml.append(query)
        return self._outcome(iq.send(timeout=IQ_TIMEOUT), query, to)

    @staticmethod
    async def _outcome(pending: Any, query: ET.Element, to: str) -> bool:
        try:
            await pending
            return True
        except (IqError, IqTimeout) as exc:
            log.warning("%s to %s refused: %s", ET.tostring(query[0] if len(query) else query)[:120], to, exc)
            return False

    def configure(self, room: str, values: Mapping[str, Any]) -> Coroutine[Any, Any, bool]:
        return self._iq_set(room, config_form(values))

    def set_role(self, room: str, nick: str, role: str, reason: str = "") -> Coroutine[Any, Any, bool]:
        query = ET.Element(_q(MUC_ADMIN, "query"))
        item = ET.SubElement(query, _q(MUC_ADMIN, "item"), {"nick": nick, "role": role})
        if reason:
            ET.SubElement(item, _q(MUC_ADMIN, "reason")).text = reason
        return self._iq_set(room, query)

    def set_affiliation(self, room: str, jid: str, affiliation: str) -> Coroutine[Any, Any, bool]:
        query = ET.Element(_q(MUC_ADMIN, "query"))
        ET.SubElement(query, _q(MUC_ADMIN, "item"), {"jid": jid, "affiliation": affiliation})
        return self._iq_set(room, query)

    def destroy(self, room: str, reason: str = "") -> Coroutine[Any, Any, bool]:
        query = ET.Element(_q(MUC_OWNER, "query"))
        destroy = ET.SubElement(query, _q(MUC_OWNER, "destroy"))
        if reason:
            ET.SubElement(destroy, _q(MUC_OWNER, "reason")).text = reason
        return self._iq_set(room, query)

    # --- messages ------------------------------------------------------------------------
    def send_group(self, room: str, body: str) -> None:
        self._session.client.make_message(mto=room, mbody=body, mtype="groupchat").send()

    def invite(self, to: str, room: str, title: str, fields: Mapping[str, str]) -> None:
        """An XEP-0249 direct invitation with meetroom's `<invite/>` for the API's fields."""
        msg = self._session.client.make_message(mto=to)
        ET.SubElement(msg.xml, _q(X_CONFERENCE, "x"), {"jid": room, "reason": title})
        ET.SubElement(msg.xml, _q(NS_CONFERENCE, "invite"), dict(fields))
        msg.send()

    def decline(self, to: str, conf_id: str, cause: int) -> None:
        with contextlib.suppress(ConnectionError):
            msg = self._session.client.make_message(mto=to)
            ET.SubElement(msg.xml, _q(NS_CONFERENCE, "decline"), {"id": conf_id, "cause": str(cause)})
            msg.send()

    def signal(self, to: str, conf_id: str, name: str, attrs: Mapping[str, str]) -> None:
        """A meetroom control message to one participant (headline: not archived, not copied)."""
        with contextlib.suppress(ConnectionError):
            msg = self._session.client.make_message(mto=to, mtype="headline")
            ET.SubElement(msg.xml, _q(NS_CONFERENCE, name), {"conf": conf_id, **attrs})
            msg.send()

    def room_signal(self, room: str, conf_id: str, name: str, attrs: Mapping[str, str]) -> None:
        """A meetroom control element to every occupant: a body-less group message, not archived."""
        msg = self._session.client.make_message(mto=room, mtype="groupchat")
        ET.SubElement(msg.xml, _q(NS_CONFERENCE, name), {"conf": conf_id, **attrs})
        ET.SubElement(msg.xml, "{urn:xmpp:hints}no-store")
        msg.send()

    def request_voice(self, room: str) -> None:
        """XEP-0045 §8.6: ask the room's moderators for voice (the podium)."""
        msg = self._session.client.make_message(mto=room)
        form = ET.SubElement(msg.xml, _q(DATA, "x"), {"type": "submit"})
        for var, value in (("FORM_TYPE", VOICE_REQUEST), ("muc#role", "participant")):
            el = ET.SubElement(form, _q(DATA, "field"), {"var": var})
            ET.SubElement(el, _q(DATA, "value")).text = value
        msg.send()
