"""Namespaces of the Jingle family and the role-relative direction rules both translators share."""

from __future__ import annotations

from typing import Literal

JINGLE = "urn:xmpp:jingle:1"
RTP = "urn:xmpp:jingle:apps:rtp:1"
ICE_UDP = "urn:xmpp:jingle:transports:ice-udp:1"
DTLS = "urn:xmpp:jingle:apps:dtls:0"
GROUPING = "urn:xmpp:jingle:apps:grouping:0"
SSMA = "urn:xmpp:jingle:apps:rtp:ssma:0"
RTCP_FB = "urn:xmpp:jingle:apps:rtp:rtcp-fb:0"
HDREXT = "urn:xmpp:jingle:apps:rtp:rtp-hdrext:0"

Role = Literal["initiator", "responder"]

# Static RTP payload types that may appear without a=rtpmap (RFC 3551).
STATIC_PAYLOADS: dict[str, tuple[str, int]] = {
    "0": ("PCMU", 8000),
    "8": ("PCMA", 8000),
    "9": ("G722", 8000),
    "13": ("CN", 8000),
}


def q(namespace: str, tag: str) -> str:
    """ElementTree's `{namespace}tag` spelling."""
    return f"{{{namespace}}}{tag}"


def other(role: Role) -> Role:
    return "responder" if role == "initiator" else "initiator"


def senders_from_direction(direction: str, author: Role) -> str:
    """SDP direction (seen by the SDP's author) → Jingle `senders`, which names roles, not sides."""
    if direction == "sendonly":
        return author
    if direction == "recvonly":
        return other(author)
    if direction == "inactive":
        return "none"
    return "both"


def direction_from_senders(senders: str | None, author: Role) -> str:
    """Jingle `senders` → SDP direction written from the point of view of `author`."""
    if senders in (None, "", "both"):
        return "sendrecv"
    if senders == "none":
        return "inactive"
    return "sendonly" if senders == author else "recvonly"


def author_of(action: str) -> Role:
    """Whose SDP a Jingle action carries: session-accept/content-accept come from the responder."""
    return "responder" if action in ("session-accept", "content-accept") else "initiator"
