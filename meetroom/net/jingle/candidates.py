"""ICE candidate lines (`a=candidate:`) ↔ XEP-0176 `<candidate/>` elements, and transport-info."""

from __future__ import annotations

import itertools
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

from meetroom.net.jingle.ns import ICE_UDP, JINGLE, q

_ids = itertools.count(1)
_id_prefix = secrets.token_hex(3)

CandidateFilter = Callable[[str], bool]
"""Decides from a remote candidate's address whether it may reach aiortc (True = keep)."""


@dataclass(frozen=True)
class RemoteCandidate:
    """A candidate read from Jingle: the content (SDP mid) it belongs to and its SDP text."""

    mid: str
    sdp: str  # "candidate:F C udp P ip port typ T ..." (the RTCIceCandidate.candidate form)


def new_candidate_id() -> str:
    """XEP-0176 wants an id unique per candidate; SDP has none, so we make one."""
    return f"c{_id_prefix}{next(_ids)}"


def candidate_element(text: str, expected_ufrag: str | None = None) -> ET.Element | None:
    """Translate one SDP candidate; None for what XEP-0176 cannot carry (tcp, foreign ufrag).

    Accepts both `candidate:...` (browser RTCIceCandidate form) and the bare attribute value.
    """
    if text.startswith("candidate:"):
        text = text[len("candidate:") :]
    parts = text.split()
    if len(parts) < 8 or parts[6] != "typ":
        raise ValueError(f"malformed ICE candidate: {text[:80]!r}")
    foundation, component, protocol, priority, ip, port, _, typ = parts[:8]
    if protocol.lower() != "udp":
        return None
    extensions = dict(zip(parts[8::2], parts[9::2], strict=False))
    if expected_ufrag and extensions.get("ufrag", expected_ufrag) != expected_ufrag:
        return None
    attrs = {
        "component": component,
        "foundation": foundation,
        "generation": extensions.get("generation", "0"),
        "id": new_candidate_id(),
        "ip": ip,
        "network": extensions.get("network-id", "0"),
        "port": port,
        "priority": priority,
        "protocol": "udp",
        "type": typ,
    }
    if "raddr" in extensions:
        attrs["rel-addr"] = extensions["raddr"]
    if "rport" in extensions:
        attrs["rel-port"] = extensions["rport"]
    return ET.Element(q(ICE_UDP, "candidate"), attrs)


def candidate_line(element: ET.Element) -> str:
    """The SDP attribute value (without `candidate:`) for one `<candidate/>` element."""
    get = element.get
    missing = [name for name in ("component", "foundation", "ip", "port", "priority", "type") if not get(name)]
    if missing:
        raise ValueError(f"ICE candidate lacks {', '.join(missing)}")
    text = (
        f"{get('foundation')} {get('component')} {(get('protocol') or 'udp').lower()} {get('priority')}"
        f" {get('ip')} {get('port')} typ {get('type')}"
    )
    if get("rel-addr") and get("rel-port"):
        text += f" raddr {get('rel-addr')} rport {get('rel-port')}"
    return text + f" generation {get('generation') or '0'}"


def transport_info(
    sid: str, content: str, candidate: str, *, ufrag: str, pwd: str, creator: str = "initiator"
) -> ET.Element:
    """A `transport-info` `<jingle/>` carrying one trickled candidate (as Conversations sends them)."""
    jingle = ET.Element(q(JINGLE, "jingle"), {"action": "transport-info", "sid": sid})
    node = ET.SubElement(jingle, q(JINGLE, "content"), {"creator": creator, "name": content})
    transport = ET.SubElement(node, q(ICE_UDP, "transport"), {"ufrag": ufrag, "pwd": pwd})
    element = candidate_element(candidate, ufrag)
    if element is not None:
        transport.append(element)
    return jingle


def remote_candidates(jingle: ET.Element, candidate_filter: CandidateFilter | None = None) -> list[RemoteCandidate]:
    """Every udp candidate in a transport-info (or any action), as (mid, `candidate:...`) pairs.

    When BUNDLE is in force the caller must hand each one to aiortc under the first bundled mid:
    aiortc ignores candidates addressed to a secondary bundled transceiver.
    """
    found: list[RemoteCandidate] = []
    for content in jingle.findall(q(JINGLE, "content")):
        for element in content.findall(f"{q(ICE_UDP, 'transport')}/{q(ICE_UDP, 'candidate')}"):
            if (element.get("protocol") or "udp").lower() != "udp":
                continue
            if candidate_filter is not None and not candidate_filter(element.get("ip", "")):
                continue
            found.append(RemoteCandidate(mid=content.get("name", ""), sdp="candidate:" + candidate_line(element)))
    return found
