"""Call stanzas on the XMPP session: JMI messages in and out, Jingle IQs in and out.

slixmpp knows neither `<ringing>`/`<finish>` nor any of Jingle, so this module registers raw
handlers on every new `XmppSession` (through the network service's session hooks) and builds
stanzas from the ElementTree payloads of `meetroom.net.jingle`. It holds no call state: it turns
stanzas into the machine's inputs (`JmiIn`, `JmiBounced`, `JingleIn`, `PeerUnavailable`) for a
`SignalListener` (the call manager) and sends what the manager asks.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from slixmpp.exceptions import IqError, IqTimeout

from meetroom.calls.machine.inputs import Input, JingleIn, JmiBounced, JmiIn, PeerUnavailable
from meetroom.calls.route import ROOM_FEATURES
from meetroom.net import disco
from meetroom.net.jingle import jmi, read_reason
from meetroom.net.jingle.info import read_session_info
from meetroom.net.jingle.ns import JINGLE, q

if TYPE_CHECKING:
    from meetroom.net.service import NetworkService
    from meetroom.net.xmpp import XmppSession

log = logging.getLogger(__name__)

CARBONS = "urn:xmpp:carbons:2"
FORWARD = "urn:xmpp:forward:0"
DELAY = "urn:xmpp:delay"
JINGLE_ERRORS = "urn:xmpp:jingle:errors:1"
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
IQ_TIMEOUT = 10.0
TERMINAL_NS = "urn:meetroom:terminal:0"  # marks a peer that sends all candidates in the SDP
TERMINAL = f"{{{TERMINAL_NS}}}terminal"


def terminal_marker() -> ET.Element:
    return ET.Element(TERMINAL)


def from_meetroom(jingle: ET.Element) -> bool:
    """Whether the offer/answer carries the marker of another meetroom (see TERMINAL_NS)."""
    return jingle.find(TERMINAL) is not None


def jingle_input(iq: Any, sender: str, jingle: ET.Element) -> JingleIn:
    """A Jingle IQ set as the machine reads it: action, sid, the reason or mutes it carries."""
    action = jingle.get("action", "")
    reason = read_reason(jingle, default_condition="success") if action == "session-terminate" else None
    infos = tuple((i.payload, i.name) for i in read_session_info(jingle)) if action == "session-info" else ()
    return JingleIn(
        iq,
        sender,
        action,
        jingle.get("sid", ""),
        payload=jingle,
        meetroom=from_meetroom(jingle),
        reason=reason,
        infos=infos,
        has_children=len(jingle) > 0,
    )


class SignalListener(Protocol):
    def signal(self, event: Input) -> None: ...


SessionInfoTap = Callable[[str, ET.Element], bool]


class Signalling:
    def __init__(self, net: NetworkService, listener: SignalListener) -> None:
        self.net = net
        self.listener = listener
        # in-meeting features that read session-info payloads of their own (DTMF, calls/tones.py):
        # a tap that returns True took the IQ, which is then acknowledged and not fed to the machine
        self.session_info_taps: list[SessionInfoTap] = []
        net.session_hooks.append(self.attach)

    # --- handlers on each session ------------------------------------------------------
    def attach(self, session: XmppSession) -> None:
        disco.advertise(session, ROOM_FEATURES)
        session.add_handler("meetroom-call-jmi", "{jabber:client}message", lambda m: self._on_message(session, m))
        session.add_handler(
            "meetroom-call-jingle", f"{{jabber:client}}iq/{{{JINGLE}}}jingle", lambda i: self._on_jingle(session, i)
        )
        session.add_handler(
            "meetroom-call-presence", "{jabber:client}presence", lambda p: self._on_presence(session, p)
        )

    def _current(self, session: XmppSession) -> bool:
        return self.net.session is session

    def _on_message(self, session: XmppSession, msg: Any) -> None:
        if not self._current(session):
            return
        xml = msg.xml
        if xml.get("type") == "error":
            self._on_error_message(xml)
            return
        carbon = ""
        inner = xml
        for kind in ("sent", "received"):
            wrapper = xml.find(f"{{{CARBONS}}}{kind}")
            if wrapper is not None:
                sender = (xml.get("from") or "").lower()
                if sender and sender != session.bare:
                    return  # carbons only ever come from our own account
                found = wrapper.find(f"{{{FORWARD}}}forwarded/{{jabber:client}}message")
                if found is None:
                    return
                inner, carbon = found, kind
                break
        action = jmi.read(inner)
        if action is None:
            return
        delayed = inner.find(f"{{{DELAY}}}delay") is not None or xml.find(f"{{{DELAY}}}delay") is not None
        message = JmiIn(action, inner.get("from") or "", inner.get("to") or "", carbon, delayed)
        try:
            self.listener.signal(message)
        except Exception:
            log.exception("handling %s %s failed", action.kind, action.sid)

    def _on_error_message(self, xml: ET.Element) -> None:
        """A bounced JMI message: its id is `jm-<kind>-<sid>` (as Conversations names them)."""
        msg_id = xml.get("id") or ""
        if not msg_id.startswith("jm-"):
            return
        _, _, rest = msg_id.partition("-")
        kind, _, sid = rest.partition("-")
        if kind != "propose" or not sid:
            return
        condition = "undefined-condition"
        error = xml.find("{jabber:client}error")
        if error is not None:
            for child in error:
                if child.tag.startswith(f"{{{STANZAS}}}") and not child.tag.endswith("}text"):
                    condition = child.tag.rpartition("}")[2]
                    break
        self.listener.signal(JmiBounced(sid, xml.get("from") or "", condition))

    def _on_jingle(self, session: XmppSession, iq: Any) -> None:
        if not self._current(session) or iq["type"] != "set":
            return
        jingle = iq.xml.find(q(JINGLE, "jingle"))
        if jingle is None:
            return
        if jingle.get("action") == "session-info" and self._tapped(str(iq["from"]), jingle):
            self.ack(iq)
            return
        try:
            self.listener.signal(jingle_input(iq, str(iq["from"]), jingle))
        except Exception:
            log.exception("handling Jingle %s failed", jingle.get("action"))
            self.error(iq, "internal-server-error")

    def _tapped(self, sender: str, jingle: ET.Element) -> bool:
        for tap in self.session_info_taps:
            try:
                if tap(sender, jingle):
                    return True
            except Exception:
                log.exception("a session-info tap failed")
        return False

    def _on_presence(self, session: XmppSession, pres: Any) -> None:
        if self._current(session) and pres["type"] in ("unavailable", "error"):
            self.listener.signal(PeerUnavailable(str(pres["from"])))

    # --- sending ------------------------------------------------------------------------
    @property
    def session(self) -> XmppSession | None:
        return self.net.session if self.net.logged_in else None

    def send_jmi(self, to: str, element: ET.Element) -> None:
        """A JMI element in a `chat` message with the `<store/>` hint."""
        session = self.session
        if session is None:
            return
        kind = element.tag.rpartition("}")[2]
        msg = session.client.make_message(mto=to, mtype="chat")
        msg["id"] = f"jm-{kind}-{element.get('id')}" if kind == "propose" else uuid.uuid4().hex
        msg.xml.append(element)
        msg.xml.append(jmi.store_hint())
        msg.send()

    async def send_jingle(self, to: str, jingle: ET.Element, timeout: float = IQ_TIMEOUT) -> bool:
        """IQ set with a Jingle payload; True when acknowledged, False on error or timeout."""
        session = self.session
        if session is None:
            return False
        iq = session.client.make_iq_set(ito=to)
        iq.xml.append(jingle)
        try:
            await iq.send(timeout=timeout)
            return True
        except (IqError, IqTimeout) as exc:
            log.info("Jingle %s to %s not acknowledged: %s", jingle.get("action"), to, exc)
            return False

    def send_jingle_nowait(self, to: str, jingle: ET.Element) -> asyncio.Task:
        return asyncio.ensure_future(self.send_jingle(to, jingle, timeout=3.0))

    def ack(self, iq: Any) -> None:
        iq.reply().send()

    def error(self, iq: Any, condition: str, jingle_condition: str = "", etype: str = "cancel") -> None:
        reply = iq.reply()
        reply["type"] = "error"
        reply["error"]["condition"] = condition
        reply["error"]["type"] = etype
        if jingle_condition:
            reply["error"].xml.append(ET.Element(q(JINGLE_ERRORS, jingle_condition)))
        reply.send()
