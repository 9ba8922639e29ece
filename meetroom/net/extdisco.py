"""XEP-0215 external service discovery: the STUN/TURN servers the XMPP server hands out.

Asked only when the administrator enables `iceExternalServices` (default off): by default the
room contacts no STUN or TURN server at all (media/rtc.py). The answer is parsed into plain
`IceService` values here; meetroom.calls.iceservers turns them into aiortc's RTCIceServer list.
"""

from __future__ import annotations

import logging
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slixmpp.exceptions import IqError, IqTimeout

if TYPE_CHECKING:
    from meetroom.net.xmpp import XmppSession

log = logging.getLogger(__name__)

EXTDISCO = "urn:xmpp:extdisco:2"
ICE_TYPES = ("stun", "turn", "turns")
QUERY_TIMEOUT = 5.0


@dataclass(frozen=True)
class IceService:
    type: str  # "stun", "turn" or "turns"
    host: str
    port: int
    transport: str = "udp"
    username: str = ""
    password: str = ""
    expires: float | None = None  # epoch seconds; credentials are useless afterwards

    @property
    def uri(self) -> str:
        """The RFC 7064/7065 URI aiortc reads (`turn:host:port?transport=udp`)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        base = f"{self.type}:{host}:{self.port}"
        return base if self.type == "stun" else f"{base}?transport={self.transport}"


def parse_services(services: ET.Element | None, now: float | None = None) -> list[IceService]:
    """The usable STUN/TURN entries of a `<services xmlns='urn:xmpp:extdisco:2'/>` answer.

    Entries of other types, without host or port, with a bad port or already expired are left
    out; so is a TURN entry without credentials (a TURN server always asks for them).
    """
    if services is None:
        return []
    now = time.time() if now is None else now
    found = []
    for item in services.findall(f"{{{EXTDISCO}}}service"):
        kind = (item.get("type") or "").lower()
        host = (item.get("host") or "").strip()
        try:
            port = int(item.get("port") or "")
        except ValueError:
            continue
        if kind not in ICE_TYPES or not host or not 0 < port < 65536:
            continue
        expires = _expiry(item.get("expires"))
        if expires is not None and expires <= now:
            continue
        username, password = item.get("username") or "", item.get("password") or ""
        if kind != "stun" and not (username and password):
            continue
        transport = (item.get("transport") or ("tcp" if kind == "turns" else "udp")).lower()
        found.append(IceService(kind, host, port, transport, username, password, expires))
    return found


def _expiry(text: str | None) -> float | None:
    """XEP-0082 date-time → epoch seconds (None when absent or unreadable)."""
    if not text:
        return None
    from datetime import datetime

    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


async def ice_services(session: XmppSession, timeout: float = QUERY_TIMEOUT) -> list[IceService]:
    """Ask the server (our account's domain) for its STUN/TURN services; [] when it has none."""
    client = session.client
    iq = client.make_iq_get(ito=client.boundjid.domain)
    iq.xml.append(ET.Element(f"{{{EXTDISCO}}}services"))
    try:
        reply = await iq.send(timeout=timeout)
    except (IqError, IqTimeout) as exc:
        log.info("the server offers no external services (XEP-0215): %s", exc)
        return []
    return parse_services(reply.xml.find(f"{{{EXTDISCO}}}services"))
