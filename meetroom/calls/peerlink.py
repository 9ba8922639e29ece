"""meetroom's in-meeting extension IQs between the full JIDs of a call's participants.

Each feature owns one namespace (docs/calls.md, "In the meeting"): it sends an `<iq type='set'>`
whose only child is an element in that namespace to a participant's full JID and learns from the
IQ result or error whether the participant took it. Incoming IQs are taken only from a current
participant (the `PeerDirectory`); anyone else gets `<forbidden/>`. A client that does not know
a namespace answers `<service-unavailable/>` or `<feature-not-implemented/>` (RFC 6120), which
the features read as "not supported".
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slixmpp.exceptions import IqError, IqTimeout

from meetroom.calls.peers import MeetingPeer, PeerDirectory
from meetroom.core.tasks import TaskSet

if TYPE_CHECKING:
    from meetroom.net.service import NetworkService
    from meetroom.net.xmpp import XmppSession

log = logging.getLogger(__name__)

IQ_TIMEOUT = 10.0
TIMEOUT = "remote-server-timeout"  # the condition `send` reports when no answer came
OFFLINE = "not-connected"  # ... and when the room is not logged in
UNSUPPORTED = ("service-unavailable", "feature-not-implemented")


class PeerRefused(Exception):
    """Raised by a handler: the IQ is answered with this stanza error condition."""

    def __init__(self, condition: str = "not-acceptable", text: str = "") -> None:
        super().__init__(text or condition)
        self.condition = condition
        self.text = text


Handler = Callable[[MeetingPeer, ET.Element], Awaitable[None]]


class PeerLink:
    def __init__(self, net: NetworkService, directory: PeerDirectory) -> None:
        self.net = net
        self.directory = directory
        self._handlers: dict[str, Handler] = {}
        self._finders: dict[str, Callable[[str], MeetingPeer | None]] = {}
        self._features: list[str] = []  # announced in disco#info (XEP-0030) beside the served namespaces
        self._tasks = TaskSet()
        net.session_hooks.append(self._attach)

    def serve(self, namespace: str, handler: Handler, find: Callable[[str], MeetingPeer | None] | None = None) -> None:
        """Answer IQ sets whose payload is in `namespace`; call before the room logs in.

        `find` names the participants who may send them (default: the directory's)."""
        self._handlers[namespace] = handler
        if find is not None:
            self._finders[namespace] = find

    def advertise(self, feature: str) -> None:
        """Announce a feature the room supports without serving IQs for it (e.g. Jingle DTMF)."""
        self._features.append(feature)

    def _attach(self, session: XmppSession) -> None:
        disco = session.client.plugin.get("xep_0030", None)
        for feature in [*self._handlers, *self._features]:
            if disco is not None:
                disco.add_feature(feature)
        for namespace in self._handlers:
            session.add_handler(
                f"meetroom-meeting-{namespace}",
                f"{{jabber:client}}iq/{{{namespace}}}*",
                lambda iq, ns=namespace: self._on_iq(session, ns, iq),
            )

    def _on_iq(self, session: XmppSession, namespace: str, iq: Any) -> None:
        if self.net.session is not session or iq["type"] != "set":
            return
        payload = next((child for child in iq.xml if child.tag.startswith(f"{{{namespace}}}")), None)
        if payload is None:
            return
        peer = self._finders.get(namespace, self.directory.find)(str(iq["from"]))
        if peer is None:
            _error(iq, "forbidden", "only a participant of the current call or conference may send this")
            return
        self._tasks.spawn(self._answer(namespace, peer, payload, iq))

    async def _answer(self, namespace: str, peer: MeetingPeer, payload: ET.Element, iq: Any) -> None:
        try:
            await self._handlers[namespace](peer, payload)
        except PeerRefused as refused:
            _error(iq, refused.condition, refused.text)
            return
        except Exception:
            log.exception("handling %s from %s failed", payload.tag, peer.instance_id)
            _error(iq, "internal-server-error")
            return
        iq.reply().send()

    async def send(self, peer: str, payload: ET.Element, timeout: float = IQ_TIMEOUT) -> str:
        """Send `payload` to a participant's full JID; "" when it took it, else the error condition."""
        session = self.net.session if self.net.logged_in else None
        if session is None:
            return OFFLINE
        iq = session.client.make_iq_set(ito=peer)
        iq.xml.append(payload)
        try:
            await iq.send(timeout=timeout)
        except IqError as exc:
            return str(exc.iq["error"]["condition"] or "undefined-condition")
        except IqTimeout:
            return TIMEOUT
        return ""

    def send_nowait(self, peer: str, payload: ET.Element) -> None:
        """Send and forget (a decision the peer may no longer care about, e.g. after it left)."""

        async def run() -> None:
            condition = await self.send(peer, payload)
            if condition:
                log.info("%s to %s not taken: %s", payload.tag, peer, condition)

        self._tasks.spawn(run())

    def close(self) -> None:
        self._tasks.cancel_all()


def _error(iq: Any, condition: str, text: str = "") -> None:
    reply = iq.reply()
    reply["type"] = "error"
    reply["error"]["condition"] = condition
    reply["error"]["type"] = "cancel"
    if text:
        reply["error"]["text"] = text
    reply.send()
