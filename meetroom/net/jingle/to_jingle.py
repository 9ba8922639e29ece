"""SDP → Jingle (XEP-0166/0167/0176/0320/0338/0339/0293/0294), per the rules in spec/xmpp.md §4.1.

Input is the SDP aiortc (or a browser) produced; output is a `<jingle xmlns='urn:xmpp:jingle:1'/>`
ElementTree element ready to be appended to an IQ (slixmpp stanzas wrap ElementTree elements).
What has no Jingle equivalent (`a=ice-options`, `a=rtcp`, `a=msid-semantic`, `a=rtcp-rsize`,
`a=end-of-candidates`, the o=/s=/t= lines) is dropped on purpose.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from meetroom.net.jingle import sdp as sdpmod
from meetroom.net.jingle.candidates import candidate_element
from meetroom.net.jingle.ns import (
    DTLS,
    GROUPING,
    HDREXT,
    ICE_UDP,
    JINGLE,
    RTCP_FB,
    RTP,
    SSMA,
    STATIC_PAYLOADS,
    Role,
    author_of,
    q,
    senders_from_direction,
)

DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")


def sdp_to_jingle(
    sdp_text: str,
    *,
    sid: str,
    action: str = "session-initiate",
    initiator: str | None = None,
    responder: str | None = None,
    author: Role | None = None,
    creator: Role = "initiator",
    bundle: bool = True,
) -> ET.Element:
    """Translate a whole offer/answer into one Jingle action element.

    `author` is the role of whoever wrote the SDP (default: responder for session-accept, else
    initiator); it decides how sendonly/recvonly become `senders`. Pass `bundle=False` when
    answering an offer that had no `<group/>` (aiortc would otherwise advertise BUNDLE anyway).
    """
    session = sdpmod.parse(sdp_text)
    author = author or author_of(action)
    attrs = {"action": action, "sid": sid}
    if initiator:
        attrs["initiator"] = initiator
    if responder:
        attrs["responder"] = responder
    jingle = ET.Element(q(JINGLE, "jingle"), attrs)

    names: list[str] = []
    contents: list[ET.Element] = []
    for media in session.media:
        if media.port == 0 or media.kind not in ("audio", "video"):
            continue  # rejected or non-RTP (e.g. data channel): no XEP-0167 content
        name = media.first("mid") or media.kind
        names.append(name)
        contents.append(_content(session, media, name, author, creator))

    if bundle:
        for group in session.values("group"):
            semantics, *members = group.split()
            members = [m for m in members if m in names]
            if members:
                node = ET.SubElement(jingle, q(GROUPING, "group"), {"semantics": semantics})
                for member in members:
                    ET.SubElement(node, q(GROUPING, "content"), {"name": member})
    jingle.extend(contents)
    return jingle


def _content(session: sdpmod.Session, media: sdpmod.Media, name: str, author: Role, creator: Role) -> ET.Element:
    direction = next((key for key, _ in reversed(media.attributes) if key in DIRECTIONS), "sendrecv")
    content = ET.Element(
        q(JINGLE, "content"),
        {"creator": creator, "name": name, "senders": senders_from_direction(direction, author)},
    )
    content.append(_description(session, media, author))
    content.append(_transport(session, media))
    return content


def _description(session: sdpmod.Session, media: sdpmod.Media, author: Role) -> ET.Element:
    desc = ET.Element(q(RTP, "description"), {"media": media.kind})
    rtpmap = _by_payload(media.values("rtpmap"))
    fmtp = _by_payload(media.values("fmtp"))
    feedback: dict[str, list[str]] = {}
    for value in media.values("rtcp-fb"):
        payload, _, rest = value.partition(" ")
        feedback.setdefault(payload, []).append(rest)
    ptime, maxptime = media.first("ptime"), media.first("maxptime")

    for payload in media.formats:
        attrs = {"id": payload}
        if payload in rtpmap:
            codec, clock, *channels = rtpmap[payload].split("/")
            attrs.update(name=codec, clockrate=clock)
            if channels and channels[0] != "1":
                attrs["channels"] = channels[0]
        elif payload in STATIC_PAYLOADS:
            codec, clock = STATIC_PAYLOADS[payload]
            attrs.update(name=codec, clockrate=str(clock))
        if ptime:
            attrs["ptime"] = ptime
        if maxptime:
            attrs["maxptime"] = maxptime
        node = ET.SubElement(desc, q(RTP, "payload-type"), attrs)
        for parameter in _fmtp_parameters(fmtp.get(payload, "")):
            ET.SubElement(node, q(RTP, "parameter"), parameter)
        for value in feedback.get(payload, []):
            node.append(_feedback(value))
    for value in feedback.get("*", []):
        desc.append(_feedback(value))

    for value in media.values("extmap"):
        desc.append(_hdrext(value, author))
    if media.has("extmap-allow-mixed") or session.has("extmap-allow-mixed"):
        ET.SubElement(desc, q(HDREXT, "extmap-allow-mixed"))

    for value in media.values("ssrc-group"):
        semantics, *ssrcs = value.split()
        group = ET.SubElement(desc, q(SSMA, "ssrc-group"), {"semantics": semantics})
        for ssrc in ssrcs:
            ET.SubElement(group, q(SSMA, "source"), {"ssrc": ssrc})
    sources: dict[str, ET.Element] = {}
    for value in media.values("ssrc"):
        ssrc, _, attribute = value.partition(" ")
        source = sources.get(ssrc)
        if source is None:
            source = sources[ssrc] = ET.SubElement(desc, q(SSMA, "source"), {"ssrc": ssrc})
        key, sep, val = attribute.partition(":")
        ET.SubElement(source, q(SSMA, "parameter"), {"name": key, "value": val} if sep else {"name": key})
    msid = media.first("msid")
    if msid:  # media-level msid has no element of its own: carry it on each source (as Jitsi does)
        for source in sources.values():
            if not any(p.get("name") == "msid" for p in source):
                ET.SubElement(source, q(SSMA, "parameter"), {"name": "msid", "value": msid})

    for kind, value in media.lines:
        if kind == "b":
            bw_type, _, amount = value.partition(":")
            ET.SubElement(desc, q(RTP, "bandwidth"), {"type": bw_type}).text = amount
    if media.has("rtcp-mux"):
        ET.SubElement(desc, q(RTP, "rtcp-mux"))
    return desc


def _by_payload(values: list[str]) -> dict[str, str]:
    table: dict[str, str] = {}
    for value in values:
        payload, _, rest = value.partition(" ")
        table.setdefault(payload, rest.strip())
    return table


def _fmtp_parameters(text: str) -> list[dict[str, str]]:
    """`a=fmtp` body → parameter attributes.

    A bare token (DTMF `0-15`, RED `111/111`) becomes a parameter *named* by the token with no
    value, the form Conversations, Dino and browser Jingle stacks write and read.
    """
    parameters = []
    for item in text.split(";"):
        item = item.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        parameters.append({"name": name.strip(), "value": value.strip()} if sep else {"name": item})
    return parameters


def _feedback(text: str) -> ET.Element:
    words = text.split()
    if words and words[0] == "trr-int":
        return ET.Element(q(RTCP_FB, "rtcp-fb-trr-int"), {"value": words[1] if len(words) > 1 else "0"})
    attrs = {"type": words[0] if words else ""}
    if len(words) > 1:
        attrs["subtype"] = words[1]
    node = ET.Element(q(RTCP_FB, "rtcp-fb"), attrs)
    for extra in words[2:]:
        name, sep, value = extra.partition("=")
        ET.SubElement(node, q(RTCP_FB, "parameter"), {"name": name, "value": value} if sep else {"name": name})
    return node


def _hdrext(text: str, author: Role) -> ET.Element:
    ident, _, rest = text.partition(" ")
    uri, *extra = rest.split()
    attrs = {"id": ident, "uri": uri}
    number, _, direction = ident.partition("/")
    if direction:
        attrs["id"] = number
        senders = senders_from_direction(direction, author)
        if senders != "both":
            attrs["senders"] = senders
    node = ET.Element(q(HDREXT, "rtp-hdrext"), attrs)
    for word in extra:
        ET.SubElement(node, q(HDREXT, "parameter"), {"name": word})
    return node


def _transport(session: sdpmod.Session, media: sdpmod.Media) -> ET.Element:
    ufrag = media.first("ice-ufrag") or session.first("ice-ufrag") or ""
    pwd = media.first("ice-pwd") or session.first("ice-pwd") or ""
    transport = ET.Element(q(ICE_UDP, "transport"), {"ufrag": ufrag, "pwd": pwd})
    fingerprints = media.values("fingerprint") or session.values("fingerprint")
    if fingerprints:
        # Conversations reads only the first <fingerprint/>; aiortc lists sha-256 first. Keep one.
        chosen = next((f for f in fingerprints if f.lower().startswith("sha-256 ")), fingerprints[0])
        hash_name, _, digest = chosen.partition(" ")
        attrs = {"hash": hash_name.lower()}
        setup = media.first("setup") or session.first("setup")
        if setup:
            attrs["setup"] = setup
        ET.SubElement(transport, q(DTLS, "fingerprint"), attrs).text = digest.strip()
    rtcp_mux = media.has("rtcp-mux")
    for value in media.values("candidate"):
        try:
            element = candidate_element(value, ufrag or None)
        except ValueError as exc:
            raise sdpmod.SdpError(str(exc)) from exc
        if element is None or (rtcp_mux and element.get("component") != "1"):
            continue
        transport.append(element)
    return transport
