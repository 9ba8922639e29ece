"""XEP-0353 Jingle Message Initiation payloads: build them and read them (spec/xmpp.md §2.9).

Only the elements that go inside a `<message type='chat'>`; addressing (bare vs full JID),
carbons and the `<store/>` hint placement are the XMPP adapter's job. slixmpp 1.17 knows
propose/retract/accept/proceed/reject but not ringing/finish, hence this module.
"""

from __future__ import annotations

import hashlib
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from meetroom.net.jingle.ns import RTP, q
from meetroom.net.jingle.reasons import Reason, read_reason, reason_element

JMI = "urn:xmpp:jingle-message:0"
JMI_LEGACY = "urn:xmpp:jingle-message:1"  # 0.4/0.5 namespace; still understood on input
HINTS = "urn:xmpp:hints"
KINDS = ("propose", "ringing", "proceed", "accept", "reject", "retract", "finish")
_DEFAULT_CONDITION = {"reject": "decline", "retract": "cancel", "finish": "success"}


@dataclass(frozen=True)
class JmiAction:
    """One JMI element read from a message."""

    kind: str
    sid: str
    media: tuple[str, ...] = ()
    reason: Reason | None = None
    tie_break: bool = False
    migrated_to: str = ""


def propose(sid: str, media: Iterable[str] = ("audio", "video")) -> ET.Element:
    node = ET.Element(q(JMI, "propose"), {"id": sid})
    for kind in media:
        ET.SubElement(node, q(RTP, "description"), {"media": kind})
    return node


def simple(kind: str, sid: str) -> ET.Element:
    """`<ringing/>`, `<proceed/>` or `<accept/>` — they carry nothing but the id."""
    if kind not in ("ringing", "proceed", "accept"):
        raise ValueError(f"{kind!r} needs a reason or media; use its own builder")
    return ET.Element(q(JMI, kind), {"id": sid})


def ending(
    kind: str,
    sid: str,
    cause: int | None = None,
    *,
    condition: str | None = None,
    text: str = "",
    tie_break: bool = False,
) -> ET.Element:
    """`<reject/>`, `<retract/>` or `<finish/>` with a reason (XEP-0353 0.7+ asks for one)."""
    if kind not in _DEFAULT_CONDITION:
        raise ValueError(f"{kind!r} is not reject, retract or finish")
    if condition is None and cause is None:
        condition = _DEFAULT_CONDITION[kind]
    node = ET.Element(q(JMI, kind), {"id": sid})
    node.append(reason_element(cause, condition=condition, text=text))
    if tie_break:
        ET.SubElement(node, q(JMI, "tie-break"))
    return node


def store_hint() -> ET.Element:
    """`<store xmlns='urn:xmpp:hints'/>`, which every JMI message carries."""
    return ET.Element(q(HINTS, "store"))


def read(element: ET.Element) -> JmiAction | None:
    """The JMI action in a `<message>` (or the JMI element itself); None when there is none.

    Tolerant as xmpp.md asks: a missing reason means decline (reject) / cancel (retract), unknown
    children (Conversations puts an empty description inside reject) are ignored.
    """
    candidates = [element, *list(element)]
    for node in candidates:
        namespace, _, kind = node.tag[1:].partition("}")
        if namespace in (JMI, JMI_LEGACY) and kind in KINDS and node.get("id"):
            media = tuple(d.get("media", "") for d in node.findall(q(RTP, "description")) if d.get("media"))
            reason = None
            if kind in _DEFAULT_CONDITION:
                reason = read_reason(node, default_condition=_DEFAULT_CONDITION[kind])
            migrated = node.find(q(namespace, "migrated"))
            return JmiAction(
                kind=kind,
                sid=node.get("id", ""),
                media=media if kind == "propose" else (),
                reason=reason,
                tie_break=node.find(q(namespace, "tie-break")) is not None,
                migrated_to=migrated.get("to", "") if migrated is not None else "",
            )
    return None


def new_sid() -> str:
    """A fresh JMI id / Jingle sid (UUIDv4, as XEP-0353 recommends)."""
    return str(uuid.uuid4())


def conf_id_for(sid: str, server: str) -> str:
    """The API confId of a point-to-point call: `<32 hex>@<server>#vcs`, the same on both sides.

    A UUID sid gives its own hex digits; any other sid (legal in Jingle) the start of its SHA-1.
    """
    try:
        digits = uuid.UUID(sid).hex
    except ValueError:
        digits = hashlib.sha1(sid.encode()).hexdigest()[:32]
    return f"{digits}@{server.lower()}#vcs"
