"""Jingle `<reason/>` ↔ the API's call causes (spec/xmpp.md §6.6).

Every reason meetroom sends names a standard XEP-0166 condition (so any client understands it)
and adds `<cause xmlns='urn:meetroom:call:0' code='N'/>`, so that another meetroom recovers the
exact API cause. Incoming reasons without that child are mapped by their condition.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from meetroom.net.jingle.ns import JINGLE, q

CALL_NS = "urn:meetroom:call:0"

CONDITIONS = frozenset(
    {
        "alternative-session",
        "busy",
        "cancel",
        "connectivity-error",
        "decline",
        "expired",
        "failed-application",
        "failed-transport",
        "general-error",
        "gone",
        "incompatible-parameters",
        "media-error",
        "security-error",
        "success",
        "timeout",
        "unsupported-applications",
        "unsupported-transports",
    }
)

# API cause → the condition that says it best to a non-meetroom client.
_CONDITION_FOR_CAUSE = {
    0: "decline",
    1: "busy",
    2: "busy",
    3: "gone",
    5: "gone",
    8: "security-error",
    9: "gone",
    11: "media-error",
    14: "security-error",
    15: "incompatible-parameters",
    16: "timeout",
    18: "expired",
}

# Condition received from a client that does not send the meetroom cause → API cause.
_CAUSE_FOR_CONDITION = {
    "decline": 0,
    "cancel": 0,
    "success": 0,
    "alternative-session": 2,
    "busy": 2,
    "gone": 3,
    "security-error": 8,
    "general-error": 10,
    "failed-application": 10,
    "failed-transport": 10,
    "connectivity-error": 10,
    "media-error": 11,
    "incompatible-parameters": 15,
    "unsupported-applications": 15,
    "unsupported-transports": 15,
    "timeout": 16,
    "expired": 18,
}

MAX_CAUSE = 22


@dataclass(frozen=True)
class Reason:
    """A parsed `<reason/>`: its condition, optional text, and the API cause it stands for."""

    condition: str
    cause: int
    text: str = ""


def reason_element(cause: int | None = None, *, condition: str | None = None, text: str = "") -> ET.Element:
    """Build `<reason/>`; the condition defaults from the cause, the cause child is added when given."""
    if condition is None:
        condition = _CONDITION_FOR_CAUSE.get(cause, "general-error") if cause is not None else "success"
    if condition not in CONDITIONS:
        raise ValueError(f"unknown Jingle reason condition {condition!r}")
    reason = ET.Element(q(JINGLE, "reason"))
    ET.SubElement(reason, q(JINGLE, condition))
    if text:
        ET.SubElement(reason, q(JINGLE, "text")).text = text
    if cause is not None:
        ET.SubElement(reason, q(CALL_NS, "cause"), {"code": str(cause)})
    return reason


def read_reason(parent: ET.Element | None, *, default_condition: str = "decline") -> Reason:
    """The reason inside `parent` (a `<reject>`, `<retract>`, `<finish>` or `<jingle>`).

    `cause` is the API cause for rejectReceived/rejectSent; for cancel/success (retract, finish,
    a normal hang-up) it is 0 and the condition is what matters.

    Peers such as Conversations and Dino often send no reason at all: then `default_condition`
    applies (decline for reject, cancel for retract, success for finish).
    """
    node = None
    if parent is not None:
        node = parent if parent.tag == q(JINGLE, "reason") else parent.find(q(JINGLE, "reason"))
    condition, text, cause = default_condition, "", None
    if node is not None:
        for child in node:
            name = child.tag.rpartition("}")[2]
            if child.tag == q(JINGLE, "text"):
                text = (child.text or "").strip()
            elif child.tag.startswith("{" + JINGLE + "}") and name in CONDITIONS:
                condition = name
            elif child.tag == q(CALL_NS, "cause"):
                code = child.get("code", "")
                if code.isdigit() and int(code) <= MAX_CAUSE:
                    cause = int(code)
    if cause is None:
        cause = _CAUSE_FOR_CONDITION.get(condition, 10)
    return Reason(condition=condition, cause=cause, text=text)


def session_terminate(
    sid: str, cause: int | None = None, *, condition: str | None = None, text: str = ""
) -> ET.Element:
    """`<jingle action='session-terminate'>` with a reason (success when neither is given)."""
    jingle = ET.Element(q(JINGLE, "jingle"), {"action": "session-terminate", "sid": sid})
    jingle.append(reason_element(cause, condition=condition, text=text))
    return jingle
