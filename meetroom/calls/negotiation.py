"""Offer/answer between a call's peer connection and Jingle: the SDP ↔ <jingle/> steps of a leg.

Each function raises ValueError / JingleError / SdpError when the description cannot be made or
used; the driver reports that to the machine as MediaRefused.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from meetroom.calls.signalling import terminal_marker
from meetroom.net.jingle import JingleError, SdpError, is_bundled, jingle_to_sdp, remote_candidates, sdp_to_jingle

if TYPE_CHECKING:
    from meetroom.calls.media import CallMedia

REFUSALS = (ValueError, JingleError, SdpError)


async def offer(media: CallMedia, sid: str, own_full: str) -> ET.Element:
    """Our session-initiate, marked as meetroom's (all candidates are in it)."""
    sdp = await media.offer()
    element = sdp_to_jingle(sdp, sid=sid, action="session-initiate", initiator=own_full)
    element.append(terminal_marker())
    return element


async def answer(media: CallMedia, offer_jingle: ET.Element, sid: str, own_full: str, meetroom: bool) -> ET.Element:
    """Our session-accept for the peer's session-initiate."""
    sdp = jingle_to_sdp(offer_jingle, candidate_filter=media.pc.policy.allows_remote, end_of_candidates=meetroom)
    local = await media.answer(sdp)
    bundle = is_bundled(offer_jingle)
    element = sdp_to_jingle(local, sid=sid, action="session-accept", responder=own_full, bundle=bundle)
    element.append(terminal_marker())
    return element


async def apply_answer(media: CallMedia, answer_jingle: ET.Element, meetroom: bool) -> None:
    sdp = jingle_to_sdp(answer_jingle, candidate_filter=media.pc.policy.allows_remote, end_of_candidates=meetroom)
    await media.accept_answer(sdp)


async def add_candidates(media: CallMedia, transport_info: ET.Element) -> None:
    """Trickled candidates the ICE policy allows; the leg's media applies them once it can."""
    from aiortc.sdp import candidate_from_sdp

    candidates = []
    for found in remote_candidates(transport_info, media.pc.policy.allows_remote):
        candidate = candidate_from_sdp(found.sdp.partition(":")[2])
        candidate.sdpMid = found.mid
        candidates.append(candidate)
    await media.add_remote_candidates(candidates)
