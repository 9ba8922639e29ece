"""XEP-0167 session-info payloads: mute/unmute (the API's mic/camera mute), ringing, hold, active."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from meetroom.net.jingle.ns import JINGLE, q

RTP_INFO = "urn:xmpp:jingle:apps:rtp:info:1"
PAYLOADS = ("active", "hold", "unhold", "mute", "unmute", "ringing")


@dataclass(frozen=True)
class SessionInfo:
    payload: str
    name: str = ""  # content name (= SDP mid) for mute/unmute; empty = every content
    creator: str = ""


def session_info(sid: str, payload: str, *, name: str = "", creator: str = "initiator") -> ET.Element:
    """`<jingle action='session-info'>` with one payload; mute/unmute name the content they affect."""
    if payload not in PAYLOADS:
        raise ValueError(f"unknown session-info payload {payload!r}")
    jingle = ET.Element(q(JINGLE, "jingle"), {"action": "session-info", "sid": sid})
    attrs = {"creator": creator, **({"name": name} if name else {})} if payload in ("mute", "unmute") else {}
    ET.SubElement(jingle, q(RTP_INFO, payload), attrs)
    return jingle


def read_session_info(jingle: ET.Element) -> list[SessionInfo]:
    """Known payloads of a session-info; an empty list means "answer unsupported-info" (XEP-0166)
    unless the element is empty (a ping, answered with a plain result)."""
    found = []
    for child in jingle:
        namespace, _, tag = child.tag[1:].partition("}")
        if namespace == RTP_INFO and tag in PAYLOADS:
            found.append(SessionInfo(tag, child.get("name", ""), child.get("creator", "")))
    return found
