"""Content sharing on the wire: the second video of a Jingle session (XEP-0166 content-add).

The sharer adds a video transceiver to the call's peer connection and offers the whole session
again; only the new `m=` section travels, as the one `<content>` of a `content-add`, and the
other side answers with the matching `<content>` in a `content-accept`. Each side rebuilds the
full description aiortc needs from the previous remote description plus that section (`merge`).

RFC 4796 `a=content:slides` has no XEP-0167 element, so the content's `<description>` carries
`<content-role xmlns='urn:meetroom:content:0' value='slides'/>`; the Jingle `senders` of the
content names the sharer's role (sendonly), and the BUNDLE `<group/>` (XEP-0338) lists every
content so the new one rides the session's transport. Stopping and restarting a share change
only `senders` (`content-modify`: 'none' ↔ the sharer's role): aiortc cannot remove a transceiver.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from meetroom.net.jingle import CandidateFilter, Role, jingle_to_sdp, sdp_to_jingle
from meetroom.net.jingle import sdp as sdpmod
from meetroom.net.jingle.ns import GROUPING, JINGLE, RTP, q

CONTENT_NS = "urn:meetroom:content:0"  # the RFC 4796 marker and the stop request (sendStopContentSharing)
SLIDES = "slides"


@dataclass(frozen=True)
class ContentOffer:
    """The one `<content>` of a content-add / -accept / -modify as the receiver reads it."""

    name: str
    creator: str
    senders: str
    role: str  # RFC 4796 content value ("slides"), "" when unmarked


def content_action(
    sdp: str, mid: str, *, action: str, sid: str, creator: Role, author: Role, role: str = SLIDES
) -> ET.Element:
    """`<jingle action=content-add|content-accept>` with only the content `mid` of a full SDP."""
    jingle = sdp_to_jingle(sdp, sid=sid, action=action, author=author, creator=creator)
    for content in jingle.findall(q(JINGLE, "content")):
        if content.get("name") != mid:
            jingle.remove(content)
    found = jingle.find(q(JINGLE, "content"))
    if found is None:
        raise ValueError(f"the description has no content '{mid}'")
    desc = found.find(q(RTP, "description"))
    if desc is not None and role:
        ET.SubElement(desc, q(CONTENT_NS, "content-role"), {"value": role})
    return jingle


def content_modify(sid: str, name: str, creator: str, senders: str) -> ET.Element:
    jingle = ET.Element(q(JINGLE, "jingle"), {"action": "content-modify", "sid": sid})
    ET.SubElement(jingle, q(JINGLE, "content"), {"creator": creator, "name": name, "senders": senders})
    return jingle


def read_content(jingle: ET.Element) -> ContentOffer | None:
    content = jingle.find(q(JINGLE, "content"))
    if content is None:
        return None
    marker = content.find(f"{q(RTP, 'description')}/{q(CONTENT_NS, 'content-role')}")
    return ContentOffer(
        content.get("name", ""),
        content.get("creator", "initiator"),
        content.get("senders", "both"),
        marker.get("value", "") if marker is not None else "",
    )


def is_video(jingle: ET.Element) -> bool:
    desc = jingle.find(f"{q(JINGLE, 'content')}/{q(RTP, 'description')}")
    return desc is not None and desc.get("media") == "video"


def merge(
    previous_sdp: str, jingle: ET.Element, *, author: Role, candidate_filter: CandidateFilter | None, answer: bool
) -> str:
    """The previous remote description plus the content of `jingle`: the full SDP aiortc needs.

    In an answer every section needs `a=setup:active|passive`: an old section that came from an
    offer (actpass) takes the value the new section carries (the peer's DTLS role does not change).
    """
    session = sdpmod.parse(previous_sdp)
    added = sdpmod.parse(jingle_to_sdp(jingle, author=author, candidate_filter=candidate_filter))
    offer = read_content(jingle)
    names = [m.first("mid") or "" for m in session.media]
    for media in added.media:
        if (media.first("mid") or "") in names:
            continue
        if offer is not None and offer.role and not media.has("content"):
            media.attributes.append(("content", offer.role))
        session.media.append(media)
    if answer:
        setup = next((m.first("setup") for m in added.media if m.first("setup")), None)
        if setup and setup != "actpass":
            for media in session.media:
                media.attributes = [(k, setup if k == "setup" and v == "actpass" else v) for k, v in media.attributes]
    if jingle.find(q(GROUPING, "group")) is not None or session.values("group"):
        mids = " ".join(m.first("mid") or "" for m in session.media)
        session.attributes = [(k, v) for k, v in session.attributes if k != "group"]
        session.attributes.insert(0, ("group", f"BUNDLE {mids}"))
    return sdpmod.serialize(session)


def refusing_answer(previous_sdp: str, offer_sdp: str, mid: str) -> str:
    """The answer to our own content offer when the peer refused it: the previous remote
    description plus our new section rejected (port 0, inactive), so that the peer connection
    returns to `stable` (aiortc has no rollback) and the call goes on as before."""
    session = sdpmod.parse(previous_sdp)
    offered = next(m for m in sdpmod.parse(offer_sdp).media if m.first("mid") == mid)
    ours = offered.first("setup")  # our DTLS role, kept since the session began
    setup = {"active": "passive", "passive": "active"}.get(ours or "", "active")
    for media in session.media:  # a previous remote offer said actpass; an answer names the role
        media.attributes = [(k, setup if k == "setup" and v == "actpass" else v) for k, v in media.attributes]
    dropped = ("sendonly", "sendrecv", "recvonly", "ssrc", "ssrc-group", "msid", "candidate", "end-of-candidates")
    offered.port = 0
    offered.attributes = [(k, setup if k == "setup" else v) for k, v in offered.attributes if k not in dropped]
    offered.attributes.append(("inactive", None))
    session.media.append(offered)
    return sdpmod.serialize(session)
