"""SDP ↔ Jingle translation (meetroom.net.jingle), both ways, against real aiortc and Chromium.

"Facts" below are read back with aiortc's own SDP parser, an oracle independent of the
translator: a round trip must keep every media-level fact aiortc acts on.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from aiortc import AudioStreamTrack, RTCSessionDescription, VideoStreamTrack
from aiortc import sdp as aiortc_sdp
from hypothesis import given, settings
from hypothesis import strategies as st

from meetroom.media.rtc import IcePolicy, create_peer_connection
from meetroom.net.jingle import (
    JingleError,
    SdpError,
    candidate_element,
    is_bundled,
    jingle_to_sdp,
    remote_candidates,
    sdp_to_jingle,
    transport_info,
)
from meetroom.net.jingle.ns import DTLS, GROUPING, HDREXT, ICE_UDP, JINGLE, RTCP_FB, RTP, SSMA, q

FIXTURES = Path(__file__).parent / "fixtures"
INITIATOR = "room1@meet.test/mr-1"
RESPONDER = "room2@meet.test/mr-2"


def fixture_sdp(name: str) -> str:
    lines = (FIXTURES / name).read_text().splitlines()
    return "\r\n".join(line for line in lines if not line.startswith("#")) + "\r\n"


def facts(sdp_text: str) -> dict[str, Any]:
    """Everything aiortc takes from an SDP for audio/video, normalised for comparison."""
    desc = aiortc_sdp.SessionDescription.parse(sdp_text)
    media = []
    for m in desc.media:
        media.append(
            {
                "kind": m.kind,
                "mid": m.rtp.muxId,
                "direction": m.direction,
                "msid": m.msid,
                "codecs": [
                    (
                        c.payloadType,
                        c.mimeType.lower(),
                        c.clockRate,
                        c.channels,
                        dict(c.parameters),
                        sorted((f.type, f.parameter or "") for f in c.rtcpFeedback),
                    )
                    for c in m.rtp.codecs
                ],
                "hdrext": sorted((h.id, h.uri) for h in m.rtp.headerExtensions),
                "rtcp_mux": m.rtcp_mux,
                "ssrc": sorted((s.ssrc, s.cname) for s in m.ssrc),
                "ssrc_group": [(g.semantic, g.items) for g in m.ssrc_group],
                "ice": (m.ice.usernameFragment, m.ice.password),
                "sha256": [f.value for f in m.dtls.fingerprints if f.algorithm == "sha-256"],
                "role": m.dtls.role,
                "candidates": sorted(
                    (c.component, c.foundation, c.ip, c.port, c.priority, c.type)
                    for c in m.ice_candidates
                    if c.protocol == "udp"
                ),
            }
        )
    bundle = [g.items for g in desc.group if g.semantic == "BUNDLE"]
    return {"bundle": bundle, "media": media}


def round_trip(sdp_text: str, action: str = "session-initiate", wire: bool = True, **kwargs: Any) -> str:
    """SDP → Jingle → (XML text on the wire → parsed again) → SDP."""
    jingle = sdp_to_jingle(sdp_text, sid="sid-1", action=action, initiator=INITIATOR)
    if wire:
        jingle = ET.fromstring(ET.tostring(jingle))
    return jingle_to_sdp(jingle, **kwargs)


# --- fixtures: structure of the translated offer ------------------------------------------------


@pytest.mark.parametrize("name", ["aiortc_offer.sdp", "chromium_offer.sdp"])
def test_offer_fixture_translates_to_jingle(name: str) -> None:
    sdp_text = fixture_sdp(name)
    jingle = sdp_to_jingle(sdp_text, sid="s1", initiator=INITIATOR)
    assert jingle.tag == q(JINGLE, "jingle")
    assert (jingle.get("action"), jingle.get("sid"), jingle.get("initiator")) == ("session-initiate", "s1", INITIATOR)
    contents = jingle.findall(q(JINGLE, "content"))
    assert [c.get("name") for c in contents] == ["0", "1"]
    assert [c.get("senders") for c in contents] == ["both", "both"]
    group = jingle.find(q(GROUPING, "group"))
    assert group is not None and group.get("semantics") == "BUNDLE"
    assert [c.get("name") for c in group] == ["0", "1"]

    audio, video = (c.find(q(RTP, "description")) for c in contents)
    assert audio.get("media") == "audio" and video.get("media") == "video"
    opus = next(p for p in audio.findall(q(RTP, "payload-type")) if p.get("name") == "opus")
    assert (opus.get("clockrate"), opus.get("channels")) == ("48000", "2")
    vp8 = next(p for p in video.findall(q(RTP, "payload-type")) if p.get("name") == "VP8")
    assert {(f.get("type"), f.get("subtype")) for f in vp8.findall(q(RTCP_FB, "rtcp-fb"))} >= {
        ("nack", None),
        ("nack", "pli"),
        ("goog-remb", None),
    }
    rtx = next(p for p in video.findall(q(RTP, "payload-type")) if p.get("name") == "rtx")
    assert [p.get("name") for p in rtx.findall(q(RTP, "parameter"))] == ["apt"]
    for desc in (audio, video):
        assert desc.find(q(RTP, "rtcp-mux")) is not None
        assert any(h.get("uri") == "urn:ietf:params:rtp-hdrext:sdes:mid" for h in desc.findall(q(HDREXT, "rtp-hdrext")))
        sources = desc.findall(q(SSMA, "source"))
        assert sources, "every sending m-line has a=ssrc"
        for source in sources:
            names = [p.get("name") for p in source.findall(q(SSMA, "parameter"))]
            assert "cname" in names and "msid" in names  # media-level msid carried per source
    group = video.find(q(SSMA, "ssrc-group"))
    assert group is not None and group.get("semantics") == "FID" and len(group) == 2

    for content in contents:
        transport = content.find(q(ICE_UDP, "transport"))
        assert transport.get("ufrag") and transport.get("pwd")
        fingerprints = transport.findall(q(DTLS, "fingerprint"))
        assert len(fingerprints) == 1  # Conversations reads only the first
        assert fingerprints[0].get("hash") == "sha-256" and fingerprints[0].get("setup") == "actpass"
        assert len(fingerprints[0].text.split(":")) == 32


def test_aiortc_fixture_candidates_and_parameters() -> None:
    jingle = sdp_to_jingle(fixture_sdp("aiortc_offer.sdp"), sid="s1")
    for content in jingle.findall(q(JINGLE, "content")):
        candidates = content.findall(f"{q(ICE_UDP, 'transport')}/{q(ICE_UDP, 'candidate')}")
        assert len(candidates) == 1
        c = candidates[0]
        assert (c.get("ip"), c.get("protocol"), c.get("type"), c.get("component")) == ("127.0.0.1", "udp", "host", "1")
        assert c.get("generation") == "0" and c.get("network") == "0" and c.get("id")
    ids = [c.get("id") for c in jingle.iter(q(ICE_UDP, "candidate"))]
    assert len(set(ids)) == len(ids)


def test_chromium_fixture_specifics() -> None:
    """Browser-only features: session-level extmap-allow-mixed, fmtp bare tokens, many codecs."""
    sdp_text = fixture_sdp("chromium_offer.sdp")
    jingle = sdp_to_jingle(sdp_text, sid="s1")
    audio, video = (c.find(q(RTP, "description")) for c in jingle.findall(q(JINGLE, "content")))
    for desc in (audio, video):
        assert desc.find(q(HDREXT, "extmap-allow-mixed")) is not None
    red = next(p for p in audio.findall(q(RTP, "payload-type")) if p.get("name") == "red")
    assert [(p.get("name"), p.get("value")) for p in red.findall(q(RTP, "parameter"))] == [("111/111", None)]
    assert [p.get("id") for p in video.findall(q(RTP, "payload-type"))] == sdp_text.split("m=video 9 ")[1].split(
        "\r\n"
    )[0].split()[1:]
    back = jingle_to_sdp(jingle)
    assert "a=fmtp:63 111/111" in back
    assert back.count("a=extmap-allow-mixed") == 2


def _offer_with_parameters(*parameters: ET.Element) -> ET.Element:
    """A minimal audio session-initiate whose one payload type carries `parameters`."""
    jingle = ET.Element(q(JINGLE, "jingle"), {"action": "session-initiate", "sid": "s"})
    content = ET.SubElement(jingle, q(JINGLE, "content"), {"creator": "initiator", "name": "0"})
    desc = ET.SubElement(content, q(RTP, "description"), {"media": "audio"})
    payload = ET.SubElement(desc, q(RTP, "payload-type"), {"id": "63", "name": "red", "clockrate": "48000"})
    payload.extend(parameters)
    ET.SubElement(content, q(ICE_UDP, "transport"), {"ufrag": "u", "pwd": "p" * 22})
    return jingle


def test_bare_token_parameter_from_other_clients() -> None:
    """RED's `111/111` arrives as `<parameter name='111/111'/>` (no value): it is a bare token."""
    bare = ET.Element(q(RTP, "parameter"), {"name": "111/111"})
    sdp_text = jingle_to_sdp(_offer_with_parameters(bare))
    assert "a=fmtp:63 111/111\r\n" in sdp_text
    assert "111/111=" not in sdp_text


def test_bare_token_parameter_mixed_with_named_ones() -> None:
    named = ET.Element(q(RTP, "parameter"), {"name": "minptime", "value": "10"})
    bare = ET.Element(q(RTP, "parameter"), {"name": "0-15"})
    assert "a=fmtp:63 minptime=10;0-15\r\n" in jingle_to_sdp(_offer_with_parameters(named, bare))


def test_legacy_empty_name_parameter_still_read() -> None:
    """Older meetroom rooms wrote `<parameter name='' value='111/111'/>`: still read as the token."""
    legacy = ET.Element(q(RTP, "parameter"), {"name": "", "value": "111/111"})
    assert "a=fmtp:63 111/111\r\n" in jingle_to_sdp(_offer_with_parameters(legacy))


def test_bare_token_written_as_name_without_value() -> None:
    """Our own offer writes the bare token as the parameter's name, with no value attribute."""
    sdp_text = fixture_sdp("chromium_offer.sdp")
    jingle = sdp_to_jingle(sdp_text, sid="s1")
    red = next(p for p in jingle.iter(q(RTP, "payload-type")) if p.get("name") == "red")
    (parameter,) = red.findall(q(RTP, "parameter"))
    assert parameter.attrib == {"name": "111/111"}


# --- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["aiortc_offer.sdp", "chromium_offer.sdp"])
def test_round_trip_keeps_every_fact_aiortc_uses(name: str) -> None:
    original = fixture_sdp(name)
    back = round_trip(original)
    assert facts(back) == facts(original)
    assert round_trip(back) and facts(round_trip(back)) == facts(original)  # stable when repeated


def test_answer_round_trip_keeps_roles_and_directions() -> None:
    answer = fixture_sdp("aiortc_offer.sdp").replace("a=setup:actpass", "a=setup:active")
    answer = answer.replace("a=sendrecv", "a=recvonly", 1)  # audio: responder receives only
    jingle = sdp_to_jingle(answer, sid="s1", action="session-accept", responder=RESPONDER)
    contents = jingle.findall(q(JINGLE, "content"))
    assert [c.get("creator") for c in contents] == ["initiator", "initiator"]
    assert contents[0].get("senders") == "initiator"  # responder's recvonly = only the initiator sends
    assert jingle.get("responder") == RESPONDER
    back = jingle_to_sdp(jingle)
    assert facts(back) == facts(answer)


@pytest.mark.parametrize(
    ("direction", "author", "senders"),
    [
        ("sendonly", "initiator", "initiator"),
        ("recvonly", "initiator", "responder"),
        ("sendonly", "responder", "responder"),
        ("recvonly", "responder", "initiator"),
        ("inactive", "initiator", "none"),
        ("sendrecv", "responder", "both"),
    ],
)
def test_direction_is_role_relative(direction: str, author: str, senders: str) -> None:
    sdp_text = fixture_sdp("aiortc_offer.sdp").replace("a=sendrecv", f"a={direction}")
    jingle = sdp_to_jingle(sdp_text, sid="s", author=author)  # type: ignore[arg-type]
    assert {c.get("senders") for c in jingle.findall(q(JINGLE, "content"))} == {senders}
    assert f"a={direction}" in jingle_to_sdp(jingle, author=author)  # type: ignore[arg-type]


HANDMADE = """v=0
o=- 1 1 IN IP4 0.0.0.0
s=-
t=0 0
a=ice-ufrag:Uf9x
a=ice-pwd:pw0123456789abcdefghijkl
a=fingerprint:SHA-256 AA:BB
a=setup:passive
m=audio 50000 UDP/TLS/RTP/SAVPF 111 0 101
c=IN IP4 127.0.0.1
b=AS:64
a=mid:audio
a=sendonly
a=extmap:4/recvonly urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=on
a=rtcp-mux
a=rtpmap:111 opus/48000/2
a=fmtp:111 minptime=10; useinbandfec=1
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=rtcp-fb:* trr-int 100
a=rtcp-fb:111 ccm tmmbr smaxpr=120
a=rtcp-fb:* nack
a=ptime:20
a=maxptime:60
a=candidate:1 1 UDP 2122260223 127.0.0.1 50000 typ host generation 0 ufrag Uf9x network-id 2
a=candidate:1 2 UDP 2122260222 127.0.0.1 50001 typ host generation 0 ufrag Uf9x network-id 2
a=candidate:2 1 TCP 1518280447 127.0.0.1 9 typ host tcptype active generation 0
a=candidate:3 1 udp 1686052607 127.0.0.2 50002 typ srflx raddr 127.0.0.1 rport 50000 generation 1
a=candidate:4 1 udp 2122260223 127.0.0.1 50003 typ host ufrag OTHER
m=video 0 UDP/TLS/RTP/SAVPF 96
a=mid:video
a=rtpmap:96 VP8/90000
"""


def test_handmade_sdp_maps_each_rule() -> None:
    jingle = sdp_to_jingle(HANDMADE, sid="s")
    contents = jingle.findall(q(JINGLE, "content"))
    assert [c.get("name") for c in contents] == ["audio"]  # port 0 video is rejected → dropped
    assert jingle.find(q(GROUPING, "group")) is None
    (content,) = contents
    assert content.get("senders") == "initiator"
    desc = content.find(q(RTP, "description"))
    payloads = desc.findall(q(RTP, "payload-type"))
    assert [(p.get("id"), p.get("name"), p.get("clockrate"), p.get("channels")) for p in payloads] == [
        ("111", "opus", "48000", "2"),
        ("0", "PCMU", "8000", None),  # static type without rtpmap gets its RFC 3551 name
        ("101", "telephone-event", "8000", None),
    ]
    assert {p.get("ptime") for p in payloads} == {"20"} and {p.get("maxptime") for p in payloads} == {"60"}
    assert [(p.get("name"), p.get("value")) for p in payloads[0].findall(q(RTP, "parameter"))] == [
        ("minptime", "10"),
        ("useinbandfec", "1"),
    ]
    assert [(p.get("name"), p.get("value")) for p in payloads[2].findall(q(RTP, "parameter"))] == [("0-15", None)]
    tmmbr = payloads[0].find(q(RTCP_FB, "rtcp-fb"))
    assert (tmmbr.get("type"), tmmbr.get("subtype")) == ("ccm", "tmmbr")
    assert [(p.get("name"), p.get("value")) for p in tmmbr] == [("smaxpr", "120")]
    assert desc.find(q(RTCP_FB, "rtcp-fb-trr-int")).get("value") == "100"
    assert desc.find(q(RTCP_FB, "rtcp-fb")).get("type") == "nack"  # the wildcard one
    ext = desc.find(q(HDREXT, "rtp-hdrext"))
    assert (ext.get("id"), ext.get("senders"), [p.get("name") for p in ext]) == ("4", "responder", ["vad=on"])
    bandwidth = desc.find(q(RTP, "bandwidth"))
    assert (bandwidth.get("type"), bandwidth.text) == ("AS", "64")

    transport = content.find(q(ICE_UDP, "transport"))
    assert (transport.get("ufrag"), transport.get("pwd")) == ("Uf9x", "pw0123456789abcdefghijkl")  # session level
    fingerprint = transport.find(q(DTLS, "fingerprint"))
    assert (fingerprint.get("hash"), fingerprint.get("setup"), fingerprint.text) == ("sha-256", "passive", "AA:BB")
    candidates = transport.findall(q(ICE_UDP, "candidate"))
    # component 2 dropped (rtcp-mux), tcp dropped, foreign ufrag dropped
    assert [(c.get("foundation"), c.get("type"), c.get("network")) for c in candidates] == [
        ("1", "host", "2"),
        ("3", "srflx", "0"),
    ]
    assert (candidates[1].get("rel-addr"), candidates[1].get("rel-port"), candidates[1].get("generation")) == (
        "127.0.0.1",
        "50000",
        "1",
    )

    back = jingle_to_sdp(jingle)
    for line in [
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 0 101",
        "c=IN IP4 0.0.0.0",
        "b=AS:64",
        "a=rtcp:9 IN IP4 0.0.0.0",
        "a=mid:audio",
        "a=sendonly",
        "a=extmap:4/recvonly urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=on",
        "a=rtpmap:0 PCMU/8000",
        "a=fmtp:111 minptime=10;useinbandfec=1",
        "a=fmtp:101 0-15",
        "a=rtcp-fb:111 ccm tmmbr smaxpr=120",
        "a=rtcp-fb:* trr-int 100",
        "a=rtcp-fb:* nack",
        "a=ptime:20",
        "a=maxptime:60",
        "a=fingerprint:sha-256 AA:BB",
        "a=setup:passive",
        "a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0",
        "a=candidate:3 1 udp 1686052607 127.0.0.2 50002 typ srflx raddr 127.0.0.1 rport 50000 generation 1",
    ]:
        assert line in back.split("\r\n"), line
    assert "a=end-of-candidates" not in back
    assert "a=end-of-candidates" in jingle_to_sdp(jingle, end_of_candidates=True)
    assert "127.0.0.2" not in jingle_to_sdp(jingle, candidate_filter=lambda ip: ip == "127.0.0.1")


# Jingle as a non-BUNDLE client (Dino-style) sends it: no group, names audio/video, RTCP candidates,
# rtcp-mux in the transport (as Jitsi clients do), a static payload type without a name.
DINO_STYLE = f"""<jingle xmlns='{JINGLE}' action='session-initiate' sid='d1' initiator='dino@meet.test/x'>
 <content creator='initiator' name='audio' senders='both'>
  <description xmlns='{RTP}' media='audio'>
   <payload-type id='111' name='opus' clockrate='48000' channels='2'><parameter name='useinbandfec' value='1'/>
   </payload-type>
   <payload-type id='0'/>
  </description>
  <transport xmlns='{ICE_UDP}' ufrag='dUf1' pwd='dinopassword0123456789'>
   <rtcp-mux/>
   <fingerprint xmlns='{DTLS}' hash='sha-256' setup='actpass'>{":".join(["AB"] * 32)}</fingerprint>
   <candidate component='1' foundation='1' generation='0' id='a' ip='127.0.0.1' network='0' port='40000'
    priority='2130706431' protocol='udp' type='host'/>
   <candidate component='2' foundation='1' generation='0' id='b' ip='127.0.0.1' network='0' port='40001'
    priority='2130706430' protocol='udp' type='host'/>
  </transport>
 </content>
 <content creator='initiator' name='video' senders='both'>
  <description xmlns='{RTP}' media='video'>
   <payload-type id='96' name='VP8' clockrate='90000'>
    <rtcp-fb xmlns='{RTCP_FB}' type='nack' subtype='pli'/></payload-type>
   <rtcp-mux/>
  </description>
  <transport xmlns='{ICE_UDP}' ufrag='dUf1' pwd='dinopassword0123456789'>
   <fingerprint xmlns='{DTLS}' hash='sha-256' setup='actpass'>{":".join(["AB"] * 32)}</fingerprint>
   <candidate component='1' foundation='2' generation='0' id='c' ip='host.local' network='0' port='40002'
    priority='2130706431' protocol='udp' type='host'/>
  </transport>
 </content>
</jingle>"""


async def test_dino_style_offer_is_answered_by_aiortc_without_bundle() -> None:
    jingle = ET.fromstring(DINO_STYLE)
    assert not is_bundled(jingle)
    policy = IcePolicy(hosts=("127.0.0.1",))
    offer = jingle_to_sdp(jingle, candidate_filter=policy.allows_remote)
    assert "a=group" not in offer
    assert "a=rtpmap:0 PCMU/8000" in offer
    assert offer.count("a=rtcp-mux") == 2  # the transport-level <rtcp-mux/> was honoured
    assert " 40001 " not in offer  # RTCP component dropped under rtcp-mux
    assert "host.local" not in offer  # mDNS name refused by the loopback policy
    pc = create_peer_connection(policy=policy)
    try:
        await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        answer = sdp_to_jingle(
            pc.localDescription.sdp, sid="d1", action="session-accept", responder=RESPONDER, bundle=is_bundled(jingle)
        )
    finally:
        await pc.close()
    assert answer.find(q(GROUPING, "group")) is None
    names = [c.get("name") for c in answer.findall(q(JINGLE, "content"))]
    assert names == ["audio", "video"]
    accepted = [p.get("name") for p in answer.iter(q(RTP, "payload-type"))]
    assert accepted == ["opus", "PCMU", "VP8"]
    for fingerprint in answer.iter(q(DTLS, "fingerprint")):
        assert fingerprint.get("setup") == "active"


# --- real aiortc peers -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["aiortc_offer.sdp", "chromium_offer.sdp"])
async def test_round_tripped_fixture_offer_is_answered_by_aiortc(name: str) -> None:
    original = fixture_sdp(name)
    offer = round_trip(original)
    pc = create_peer_connection(["127.0.0.1"])
    try:
        await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        pc_tracks = [t.receiver.track.kind for t in pc.getTransceivers()]
        assert pc_tracks == ["audio", "video"]
        await pc.setLocalDescription(await pc.createAnswer())
        answer = facts(pc.localDescription.sdp)
    finally:
        await pc.close()
    offered = facts(original)
    for got, sent in zip(answer["media"], offered["media"], strict=True):
        assert got["mid"] == sent["mid"]
        assert got["codecs"], "aiortc found a codec in common"
        offered_names = {c[1] for c in sent["codecs"]}
        assert {c[1] for c in got["codecs"]} <= offered_names
        assert got["role"] == "client"  # answers a=setup:active to the actpass offer
    assert answer["bundle"] == [["0", "1"]]


async def test_fresh_aiortc_offer_and_answer_through_jingle() -> None:
    """Both directions with live peers: offer and answer each cross Jingle as XML text."""
    caller = create_peer_connection(["127.0.0.1"])
    callee = create_peer_connection(["127.0.0.1"])
    try:
        caller.addTrack(AudioStreamTrack())
        caller.addTrack(VideoStreamTrack())
        await caller.setLocalDescription(await caller.createOffer())
        offer = round_trip(caller.localDescription.sdp, end_of_candidates=True)
        assert facts(offer) == facts(caller.localDescription.sdp)
        await callee.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        callee.addTrack(AudioStreamTrack())
        await callee.setLocalDescription(await callee.createAnswer())
        answer = round_trip(callee.localDescription.sdp, action="session-accept", end_of_candidates=True)
        assert facts(answer) == facts(callee.localDescription.sdp)
        await caller.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        assert caller.signalingState == callee.signalingState == "stable"
        directions = [t.currentDirection for t in caller.getTransceivers()]
        assert directions == ["sendrecv", "sendonly"]  # the callee sends audio only
    finally:
        await caller.close()
        await callee.close()


# --- transport-info (trickle) ------------------------------------------------------------------


def test_transport_info_round_trip() -> None:
    line = "candidate:842163049 1 udp 1677729535 127.0.0.1 51234 typ srflx raddr 127.0.0.1 rport 40000 generation 0"
    jingle = transport_info("sid-9", "0", line, ufrag="Uf", pwd="Pw" * 11)
    assert (jingle.get("action"), jingle.get("sid")) == ("transport-info", "sid-9")
    jingle = ET.fromstring(ET.tostring(jingle))
    (found,) = remote_candidates(jingle)
    assert found.mid == "0"
    assert found.sdp == line
    candidate = aiortc_sdp.candidate_from_sdp(found.sdp.split(":", 1)[1])
    assert (candidate.ip, candidate.port, candidate.type, candidate.relatedPort) == ("127.0.0.1", 51234, "srflx", 40000)
    assert remote_candidates(jingle, candidate_filter=lambda ip: ip != "127.0.0.1") == []
    tcp = transport_info("s", "0", "candidate:1 1 tcp 1 127.0.0.1 9 typ host tcptype active", ufrag="u", pwd="p")
    assert remote_candidates(tcp) == []
    assert candidate_element("1 1 udp 1 127.0.0.1 9 typ host ufrag theirs", "ours") is None


def test_slixmpp_serialises_with_default_namespaces() -> None:
    """The element goes into slixmpp IQs; its serialiser must write plain xmlns declarations."""
    from slixmpp.xmlstream import tostring

    text = tostring(sdp_to_jingle(fixture_sdp("aiortc_offer.sdp"), sid="s"))
    assert text.startswith(f'<jingle xmlns="{JINGLE}"')
    assert f'<description xmlns="{RTP}" media="audio">' in text
    assert "ns0:" not in text


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "hello", "v=0\r\ns=-\r\n", "v=0\r\nm=audio x RTP 0\r\n"])
def test_bad_sdp_raises_clear_error(text: str) -> None:
    with pytest.raises(SdpError):
        sdp_to_jingle(text, sid="s")


def test_bad_candidate_in_sdp_raises_sdp_error() -> None:
    bad = fixture_sdp("aiortc_offer.sdp").replace(" typ host", " host", 1)
    with pytest.raises(SdpError, match="candidate"):
        sdp_to_jingle(bad, sid="s")


@pytest.mark.parametrize(
    "xml",
    [
        "<iq xmlns='jabber:client'/>",
        f"<jingle xmlns='{JINGLE}' action='session-initiate' sid='s'/>",
        f"<jingle xmlns='{JINGLE}' sid='s'><content name='0'><description xmlns='{RTP}' media='audio'/>"
        "</content></jingle>",
        f"<jingle xmlns='{JINGLE}' sid='s'><content name='0'><description xmlns='{RTP}' media='text'>"
        "<payload-type id='96' name='x' clockrate='1'/></description></content></jingle>",
        f"<jingle xmlns='{JINGLE}' sid='s'><content name='0'><description xmlns='{RTP}' media='audio'>"
        "<payload-type id='96'/></description></content></jingle>",
    ],
)
def test_bad_jingle_raises_clear_error(xml: str) -> None:
    with pytest.raises(JingleError):
        jingle_to_sdp(ET.fromstring(xml))


# --- live Chromium ------------------------------------------------------------------------------

BROWSER_JS = """async ([remoteOffer]) => {
  const make = () => new RTCPeerConnection({iceServers: [], iceTransportPolicy: 'relay'});
  const canvas = document.createElement('canvas');
  canvas.width = 160; canvas.height = 90;
  canvas.getContext('2d').fillRect(0, 0, 160, 90);
  const video = canvas.captureStream(10).getVideoTracks()[0];
  const actx = new AudioContext();
  const dest = actx.createMediaStreamDestination();
  const osc = actx.createOscillator(); osc.connect(dest); osc.start();
  const audio = dest.stream.getAudioTracks()[0];
  const stream = new MediaStream([audio, video]);
  // 1) the browser answers an offer that came through Jingle
  const answerer = make();
  await answerer.setRemoteDescription({type: 'offer', sdp: remoteOffer});
  answerer.getTransceivers().forEach(t => t.direction = 'sendrecv');
  answerer.addTrack(audio, stream); answerer.addTrack(video, stream);
  const answer = await answerer.createAnswer();
  // 2) the browser offers; the test answers and hands the answer back through setAnswer()
  const offerer = make();
  offerer.addTrack(audio, stream); offerer.addTrack(video, stream);
  const offer = await offerer.createOffer();
  await offerer.setLocalDescription(offer);
  window.setAnswer = async (sdp) => {
    await offerer.setRemoteDescription({type: 'answer', sdp});
    return offerer.getTransceivers().map(t => [t.mid, t.currentDirection, t.receiver.track.kind]);
  };
  return {answer: answer.sdp, offer: offer.sdp};
}"""


async def test_chromium_and_aiortc_accept_each_other_through_jingle() -> None:
    """Real interop: each side's SDP crosses Jingle (as XML text) before the other side reads it.

    Chromium gathers nothing (relay policy without servers), so no packet is sent anywhere.
    """
    if shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is required (apt-get install chromium)")
    from playwright.async_api import async_playwright

    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

    aiortc_offerer = create_peer_connection(["127.0.0.1"])
    aiortc_answerer = create_peer_connection(["127.0.0.1"])
    try:
        aiortc_offerer.addTrack(AudioStreamTrack())
        aiortc_offerer.addTrack(VideoStreamTrack())
        await aiortc_offerer.setLocalDescription(await aiortc_offerer.createOffer())
        offer_for_browser = round_trip(aiortc_offerer.localDescription.sdp, end_of_candidates=True)

        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                page = await browser.new_page()
                result = await page.evaluate(BROWSER_JS, [offer_for_browser])

                # browser's answer → Jingle session-accept → SDP → aiortc offerer
                answer = round_trip(result["answer"], action="session-accept")
                await aiortc_offerer.setRemoteDescription(RTCSessionDescription(answer, "answer"))
                assert [t.currentDirection for t in aiortc_offerer.getTransceivers()] == ["sendrecv", "sendrecv"]
                assert facts(answer)["media"][1]["codecs"][0][1] == "video/vp8"

                # browser's offer → Jingle → SDP → aiortc answerer → Jingle → SDP → browser
                offer = round_trip(result["offer"])
                await aiortc_answerer.setRemoteDescription(RTCSessionDescription(offer, "offer"))
                for transceiver in aiortc_answerer.getTransceivers():
                    transceiver.direction = "sendrecv"
                aiortc_answerer.addTrack(AudioStreamTrack())
                aiortc_answerer.addTrack(VideoStreamTrack())
                await aiortc_answerer.setLocalDescription(await aiortc_answerer.createAnswer())
                answer_for_browser = round_trip(
                    aiortc_answerer.localDescription.sdp, action="session-accept", end_of_candidates=True
                )
                states = await page.evaluate("sdp => window.setAnswer(sdp)", answer_for_browser)
                assert states == [["0", "sendrecv", "audio"], ["1", "sendrecv", "video"]]
            finally:
                await browser.close()
    finally:
        await aiortc_offerer.close()
        await aiortc_answerer.close()


# --- generated SDPs (hypothesis) ----------------------------------------------------------------

TOKEN = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
FEEDBACK = ["nack", "nack pli", "ccm fir", "goog-remb", "transport-cc", "ccm tmmbr"]
URIS = [
    "urn:ietf:params:rtp-hdrext:sdes:mid",
    "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "urn:ietf:params:rtp-hdrext:toffset",
]


@st.composite
def media_sections(draw: st.DrawFn, index: int) -> str:
    kind = "audio" if index % 2 == 0 else "video"
    payloads = draw(st.lists(st.integers(96, 127), min_size=1, max_size=5, unique=True))
    lines = [f"m={kind} 9 UDP/TLS/RTP/SAVPF {' '.join(map(str, payloads))}", "c=IN IP4 0.0.0.0"]
    lines.append(f"a=mid:{index}")
    lines.append("a=" + draw(st.sampled_from(["sendrecv", "sendonly", "recvonly", "inactive"])))
    for ident, uri in enumerate(draw(st.lists(st.sampled_from(URIS), unique=True, max_size=4)), start=1):
        lines.append(f"a=extmap:{ident} {uri}")
    lines += [
        f"a=ice-ufrag:u{index}x",
        "a=ice-pwd:" + "p" * 22,
        "a=setup:" + draw(st.sampled_from(["actpass", "active"])),
    ]
    lines.append("a=fingerprint:sha-256 " + ":".join([f"{draw(st.integers(0, 255)):02X}" for _ in range(32)]))
    if draw(st.booleans()):
        lines.append("a=rtcp-mux")
    for pt in payloads:
        name = draw(st.sampled_from(["opus", "PCMU", "telephone-event"] if kind == "audio" else ["VP8", "H264", "rtx"]))
        clock = "48000" if name == "opus" else "8000" if kind == "audio" else "90000"
        channels = "/2" if name == "opus" else ""
        lines.append(f"a=rtpmap:{pt} {name}/{clock}{channels}")
        params = draw(st.dictionaries(TOKEN, TOKEN, max_size=3))
        if params:
            lines.append(f"a=fmtp:{pt} " + ";".join(f"{k}={v}" for k, v in params.items()))
        for feedback in draw(st.lists(st.sampled_from(FEEDBACK), unique=True, max_size=3)):
            lines.append(f"a=rtcp-fb:{pt} {feedback}")
    ssrcs = draw(st.lists(st.integers(1, 2**32 - 1), unique=True, max_size=2))
    if len(ssrcs) == 2:
        lines.append(f"a=ssrc-group:FID {ssrcs[0]} {ssrcs[1]}")
    lines += [f"a=ssrc:{ssrc} cname:{draw(TOKEN)}" for ssrc in ssrcs]
    for n in range(draw(st.integers(0, 2))):
        port = draw(st.integers(1024, 65535))
        lines.append(f"a=candidate:{draw(TOKEN)} 1 udp {draw(st.integers(1, 2**31))} 127.0.0.{n + 1} {port} typ host")
    return "\r\n".join(lines)


@st.composite
def session_descriptions(draw: st.DrawFn) -> str:
    count = draw(st.integers(1, 3))
    head = ["v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0", "a=group:BUNDLE " + " ".join(map(str, range(count)))]
    return "\r\n".join(head + [draw(media_sections(i)) for i in range(count)]) + "\r\n"


@settings(max_examples=150, deadline=None)
@given(session_descriptions())
def test_generated_sdp_round_trips(sdp_text: str) -> None:
    assert facts(round_trip(sdp_text)) == facts(sdp_text)
