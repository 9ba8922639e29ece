"""DTMF: toneDial sends a tone symbol to a participant, and symbols a participant sends are announced.

Two carriers, as the peer allows:
- RFC 4733 telephone-event RTP packets in the call's audio stream, where the peer negotiated
  telephone-event (SIP gateways, browsers; see meetroom.media.dtmfrtp);
- else Jingle DTMF (XEP-0181): a session-info `<dtmf xmlns='urn:xmpp:jingle:dtmf:0' code='5'
  duration='100'/>` in the Jingle session with that participant, which is what two meetrooms use.

Both sides announce `toneDial {symbol, confId, callId}`: the sender with the participant it sent
to, the receiver with the participant it came from, one notification per symbol, in order.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Protocol

from meetroom.calls.peerlink import PeerLink
from meetroom.calls.peers import MeetingPeer, PeerDirectory
from meetroom.core.errors import DomainError
from meetroom.core.events import Events
from meetroom.net.jingle.ns import JINGLE, q

log = logging.getLogger(__name__)

DTMF_NS = "urn:xmpp:jingle:dtmf:0"
SYMBOLS = "0123456789*#ABCD"
DURATION_MS = 100  # a short key press, as gateways expect (RFC 4733 §2.5.1.3 suggests ≥ 40 ms)


class ToneError(DomainError):
    """A toneDial that cannot be sent."""


class RtpTones(Protocol):
    """An RFC 4733 sender for one participant's audio stream."""

    async def send(self, symbol: str, duration_ms: int) -> None: ...


def dtmf_info(sid: str, symbol: str, duration_ms: int = DURATION_MS) -> ET.Element:
    """`<jingle action='session-info'>` carrying one XEP-0181 key press."""
    jingle = ET.Element(q(JINGLE, "jingle"), {"action": "session-info", "sid": sid})
    ET.SubElement(jingle, q(DTMF_NS, "dtmf"), {"code": symbol, "duration": str(duration_ms)})
    return jingle


def read_dtmf(jingle: ET.Element) -> list[str]:
    """The valid symbols of a session-info's `<dtmf/>` payloads, in document order."""
    out = []
    for child in jingle.findall(q(DTMF_NS, "dtmf")):
        code = (child.get("code") or "").upper()
        if len(code) == 1 and code in SYMBOLS:
            out.append(code)
    return out


def check_symbol(symbol: str) -> str:
    text = symbol.strip().upper()
    if len(text) != 1 or text not in SYMBOLS:
        raise ToneError(f"symbol must be one of {' '.join(SYMBOLS)}")
    return text


class ToneDial:
    def __init__(
        self,
        link: PeerLink,
        directory: PeerDirectory,
        events: Events,
        rtp_for: Callable[[MeetingPeer], RtpTones | None] = lambda peer: None,
    ) -> None:
        self.link, self.directory, self.events = link, directory, events
        self.rtp_for = rtp_for  # the RFC 4733 sender of a participant that negotiated telephone-event

    async def send(self, participant: str, symbol: str) -> None:
        """toneDial: one symbol to one participant; refused when the peer did not take it."""
        text = check_symbol(symbol)
        peer = self.directory.resolve(participant)
        rtp = self.rtp_for(peer)
        if rtp is not None:
            log.info("tone %s to %s as RFC 4733 telephone-event", text, peer.instance_id)
            try:
                await rtp.send(text, DURATION_MS)
            except TimeoutError:
                raise ToneError(f"no audio flows to '{peer.instance_id}' to carry the tone") from None
        else:
            log.info("tone %s to %s as XEP-0181 Jingle DTMF", text, peer.instance_id)
            condition = await self.link.send(peer.instance_id, dtmf_info(peer.sid, text), timeout=5.0)
            if condition:
                raise ToneError(f"'{peer.instance_id}' did not take the tone ({condition})")
        self._announce(peer, text)

    def tap(self, sender: str, jingle: ET.Element) -> bool:
        """Signalling's session-info tap: XEP-0181 key presses from a participant, in its session."""
        symbols = read_dtmf(jingle)
        if not symbols and jingle.find(q(DTMF_NS, "dtmf")) is None:
            return False
        peer = self.directory.find(sender)
        if peer is None or (peer.sid and jingle.get("sid") != peer.sid):
            return False  # not ours: the call machine answers it (unknown-session)
        for symbol in symbols:
            log.info("tone %s from %s by XEP-0181 Jingle DTMF", symbol, peer.instance_id)
            self._announce(peer, symbol)
        return True

    def received(self, peer: MeetingPeer, symbol: str) -> None:
        """A tone that arrived another way (an RFC 4733 event in the peer's audio)."""
        log.info("tone %s from %s by RFC 4733 telephone-event", symbol, peer.instance_id)
        self._announce(peer, symbol)

    def _announce(self, peer: MeetingPeer, symbol: str) -> None:
        self.events.publish("toneDial", {"symbol": symbol, "confId": peer.conf_id, "callId": peer.instance_id})
