"""Jingle → SDP for aiortc, the reverse of to_jingle (spec/xmpp.md §4.1, bracketed rules).

The SDP is rebuilt the way Conversations does it — port 9, `c=IN IP4 0.0.0.0`, `a=rtcp:9`, one
fingerprint — which aiortc accepts as a remote description. Candidates go inline as `a=candidate`
lines; `a=end-of-candidates` is written only when the caller knows no more will trickle.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET

from meetroom.net.jingle import sdp as sdpmod
from meetroom.net.jingle.candidates import CandidateFilter, candidate_line
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
    direction_from_senders,
    q,
)


class JingleError(ValueError):
    """The Jingle element cannot be turned into a usable session description."""


def jingle_to_sdp(
    jingle: ET.Element,
    *,
    author: Role | None = None,
    candidate_filter: CandidateFilter | None = None,
    end_of_candidates: bool = False,
) -> str:
    """Translate a session-initiate/-accept (or content-add) into SDP text.

    `author` is the role whose media view the SDP describes (default from the action).
    `candidate_filter` drops remote candidates by address before aiortc sees them (e.g. keep
    loopback only in tests, refuse mDNS `.local` names so aioice never multicasts).
    """
    if jingle.tag != q(JINGLE, "jingle"):
        raise JingleError(f"not a Jingle element: {jingle.tag}")
    author = author or author_of(jingle.get("action", ""))
    session = sdpmod.Session(
        lines=[("v", "0"), ("o", f"- {secrets.randbelow(2**62)} 2 IN IP4 0.0.0.0"), ("s", "-"), ("t", "0 0")]
    )
    for group in jingle.findall(q(GROUPING, "group")):
        members = [c.get("name", "") for c in group.findall(q(GROUPING, "content"))]
        session.attributes.append(("group", " ".join([group.get("semantics", "BUNDLE"), *members])))
    session.attributes.append(("msid-semantic", "WMS *"))

    for content in jingle.findall(q(JINGLE, "content")):
        desc = content.find(q(RTP, "description"))
        if desc is None:
            continue  # not an RTP content (file transfer etc.): nothing for aiortc
        session.media.append(_media(content, desc, author, candidate_filter, end_of_candidates))
    if not session.media:
        raise JingleError("Jingle element has no RTP content")
    return sdpmod.serialize(session)


def _media(
    content: ET.Element,
    desc: ET.Element,
    author: Role,
    candidate_filter: CandidateFilter | None,
    end_of_candidates: bool,
) -> sdpmod.Media:
    name = content.get("name") or desc.get("media") or ""
    kind = desc.get("media")
    if kind not in ("audio", "video"):
        raise JingleError(f"content {name!r} has unsupported media {kind!r}")
    payloads = desc.findall(q(RTP, "payload-type"))
    if not payloads:
        raise JingleError(f"content {name!r} offers no payload type")
    media = sdpmod.Media(kind=kind, port=9, proto="UDP/TLS/RTP/SAVPF", formats=[p.get("id", "") for p in payloads])
    media.lines.append(("c", "IN IP4 0.0.0.0"))
    for bandwidth in desc.findall(q(RTP, "bandwidth")):
        media.lines.append(("b", f"{bandwidth.get('type', 'AS')}:{(bandwidth.text or '').strip()}"))
    add = media.attributes.append
    add(("rtcp", "9 IN IP4 0.0.0.0"))

    transport = content.find(q(ICE_UDP, "transport"))
    candidates: list[str] = []
    rtcp_mux = desc.find(q(RTP, "rtcp-mux")) is not None
    if transport is not None:
        rtcp_mux = rtcp_mux or transport.find(q(ICE_UDP, "rtcp-mux")) is not None  # Jitsi puts it here
        if transport.get("ufrag"):
            add(("ice-ufrag", transport.get("ufrag")))
        if transport.get("pwd"):
            add(("ice-pwd", transport.get("pwd")))
        fingerprint = transport.find(q(DTLS, "fingerprint"))
        if fingerprint is not None:
            add(("fingerprint", f"{fingerprint.get('hash', 'sha-256')} {(fingerprint.text or '').strip()}"))
            add(("setup", fingerprint.get("setup") or "actpass"))
        for element in transport.findall(q(ICE_UDP, "candidate")):
            if (element.get("protocol") or "udp").lower() != "udp":
                continue
            if rtcp_mux and element.get("component", "1") != "1":
                continue  # Dino adds RTCP candidates even when it offers rtcp-mux
            if candidate_filter is not None and not candidate_filter(element.get("ip", "")):
                continue
            try:
                candidates.append(candidate_line(element))
            except ValueError as exc:
                raise JingleError(str(exc)) from exc
    add(("mid", name))

    for ext in desc.findall(q(HDREXT, "rtp-hdrext")):
        ident = ext.get("id", "")
        senders = ext.get("senders")
        if senders and senders != "both":
            ident += "/" + direction_from_senders(senders, author)
        extra = " ".join(p.get("name", "") for p in ext.findall(q(HDREXT, "parameter")))
        add(("extmap", f"{ident} {ext.get('uri', '')}" + (f" {extra}" if extra else "")))
    if desc.find(q(HDREXT, "extmap-allow-mixed")) is not None:
        add(("extmap-allow-mixed", None))
    add((direction_from_senders(content.get("senders"), author), None))

    sources = desc.findall(q(SSMA, "source"))
    msid = next(
        (p.get("value") for s in sources for p in s.findall(q(SSMA, "parameter")) if p.get("name") == "msid"),
        None,
    )
    if msid:
        add(("msid", msid))
    if rtcp_mux:
        add(("rtcp-mux", None))

    ptimes: set[str] = set()
    maxptimes: set[str] = set()
    for payload in payloads:
        _payload_lines(payload, add)
        if payload.get("ptime"):
            ptimes.add(payload.get("ptime", ""))
        if payload.get("maxptime"):
            maxptimes.add(payload.get("maxptime", ""))
    for feedback in desc.findall(q(RTCP_FB, "rtcp-fb")) + desc.findall(q(RTCP_FB, "rtcp-fb-trr-int")):
        add(("rtcp-fb", f"* {_feedback_text(feedback)}"))
    if len(ptimes) == 1:
        add(("ptime", ptimes.pop()))
    if len(maxptimes) == 1:
        add(("maxptime", maxptimes.pop()))

    for group in desc.findall(q(SSMA, "ssrc-group")):
        ssrcs = [s.get("ssrc", "") for s in group.findall(q(SSMA, "source"))]
        add(("ssrc-group", " ".join([group.get("semantics", "FID"), *ssrcs])))
    for source in sources:
        for parameter in source.findall(q(SSMA, "parameter")):
            value = parameter.get("value")
            text = parameter.get("name", "") + (f":{value}" if value else "")
            add(("ssrc", f"{source.get('ssrc')} {text}"))

    for line in candidates:
        add(("candidate", line))
    if end_of_candidates:
        add(("end-of-candidates", None))
    return media


def _payload_lines(payload: ET.Element, add) -> None:
    ident = payload.get("id", "")
    name, clock = payload.get("name"), payload.get("clockrate")
    if not name and ident in STATIC_PAYLOADS:
        name, default_clock = STATIC_PAYLOADS[ident]
        clock = clock or str(default_clock)
    if not name or not clock:
        raise JingleError(f"payload-type {ident!r} lacks name/clockrate")
    channels = payload.get("channels")
    add(("rtpmap", f"{ident} {name}/{clock}" + (f"/{channels}" if channels and channels != "1" else "")))
    for feedback in payload.findall(q(RTCP_FB, "rtcp-fb")) + payload.findall(q(RTCP_FB, "rtcp-fb-trr-int")):
        add(("rtcp-fb", f"{ident} {_feedback_text(feedback)}"))
    parameters = [_fmtp_item(p) for p in payload.findall(q(RTP, "parameter"))]
    parameters = [item for item in parameters if item]
    if parameters:
        add(("fmtp", f"{ident} " + ";".join(parameters)))


def _fmtp_item(parameter: ET.Element) -> str:
    """One `a=fmtp` item: `name=value`, or the bare token when there is no value.

    The token is the name (`<parameter name='111/111'/>`); older meetroom rooms put it in the
    value with an empty name, which is still read the same way.
    """
    name, value = (parameter.get("name") or "").strip(), (parameter.get("value") or "").strip()
    if name and value:
        return f"{name}={value}"
    return name or value


def _feedback_text(feedback: ET.Element) -> str:
    if feedback.tag == q(RTCP_FB, "rtcp-fb-trr-int"):
        return f"trr-int {feedback.get('value', '0')}"
    words = [feedback.get("type", "")]
    if feedback.get("subtype"):
        words.append(feedback.get("subtype", ""))
    for parameter in feedback.findall(q(RTCP_FB, "parameter")):
        value = parameter.get("value")
        words.append(parameter.get("name", "") + (f"={value}" if value else ""))
    return " ".join(words)


def is_bundled(jingle: ET.Element) -> bool:
    """True when the action carries a BUNDLE `<group/>` (answer without one if the offer had none)."""
    return any(g.get("semantics") == "BUNDLE" for g in jingle.findall(q(GROUPING, "group")))
