"""Jingle `<reason/>` ↔ the API's call causes (spec/xmpp.md §6.6).

Every reason meetroom sends names a standard XEP-0166 condition (so any client understands it)
and adds `<cause xmlns='urn:meetroom:call:0' code='N'/>`, so that another meetroom recovers the
exact API cause. Incoming reasons without that child are mapped by their condition.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from enum import IntEnum

from meetroom.net.jingle.ns import JINGLE, q

CALL_NS = "urn:meetroom:call:0"


class Cause(IntEnum):
    """The API's rejectReceived / rejectSent cause codes (notifications.json, xmpp.md §6.6)."""

    DECLINED = 0
    PARTICIPANT_LIMIT = 1
    BUSY = 2
    UNAVAILABLE = 3
    NO_CONFERENCE = 4
    NO_USER = 5
    NOT_DECLINED = 6
    NO_FUNDS = 7
    ACCESS_DENIED = 8
    LOGGED_OUT = 9
    FAILED = 10
    NO_RESOURCES = 11
    PASSWORD_REQUIRED = 12
    WRONG_PASSWORD = 13
    NOT_A_FRIEND = 14
    INCOMPATIBLE = 15
    NO_ANSWER = 16
    NOT_STARTED = 17
    ENDED = 18
    NOT_FOUND = 19
    SERVER_UNREACHABLE = 20
    FEDERATION_NOT_ALLOWED = 21
    FEDERATION_REJECTED = 22


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
    Cause.DECLINED: "decline",
    Cause.PARTICIPANT_LIMIT: "busy",
    Cause.BUSY: "busy",
    Cause.UNAVAILABLE: "gone",
    Cause.NO_USER: "gone",
    Cause.ACCESS_DENIED: "security-error",
    Cause.LOGGED_OUT: "gone",
    Cause.NO_RESOURCES: "media-error",
    Cause.NOT_A_FRIEND: "security-error",
    Cause.INCOMPATIBLE: "incompatible-parameters",
    Cause.NO_ANSWER: "timeout",
    Cause.ENDED: "expired",
}

# Condition received from a client that does not send the meetroom cause → API cause.
_CAUSE_FOR_CONDITION = {
    "decline": Cause.DECLINED,
    "cancel": Cause.DECLINED,
    "success": Cause.DECLINED,
    "alternative-session": Cause.BUSY,
    "busy": Cause.BUSY,
    "gone": Cause.UNAVAILABLE,
    "security-error": Cause.ACCESS_DENIED,
    "general-error": Cause.FAILED,
    "failed-application": Cause.FAILED,
    "failed-transport": Cause.FAILED,
    "connectivity-error": Cause.FAILED,
    "media-error": Cause.NO_RESOURCES,
    "incompatible-parameters": Cause.INCOMPATIBLE,
    "unsupported-applications": Cause.INCOMPATIBLE,
    "unsupported-transports": Cause.INCOMPATIBLE,
    "timeout": Cause.NO_ANSWER,
    "expired": Cause.ENDED,
}

MAX_CAUSE = max(Cause)


@dataclass(frozen=True)
class Reason:
    """A parsed `<reason/>`: its condition, optional text, and the API cause it stands for."""

    condition: str
    cause: Cause
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
        ET.SubElement(reason, q(CALL_NS, "cause"), {"code": str(int(cause))})
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
    condition, text = default_condition, ""
    cause: Cause | None = None
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
                    cause = Cause(int(code))
    if cause is None:
        cause = _CAUSE_FOR_CONDITION.get(condition, Cause.FAILED)
    return Reason(condition=condition, cause=cause, text=text)


def session_terminate(
    sid: str, cause: int | None = None, *, condition: str | None = None, text: str = ""
) -> ET.Element:
    """`<jingle action='session-terminate'>` with a reason (success when neither is given)."""
    jingle = ET.Element(q(JINGLE, "jingle"), {"action": "session-terminate", "sid": sid})
    jingle.append(reason_element(cause, condition=condition, text=text))
    return jingle
