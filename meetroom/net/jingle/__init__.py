"""SDP ↔ Jingle translation for calls: pure functions on text and ElementTree elements.

Also the small call-signalling payloads around it: JMI (`jmi`), reasons ↔ API causes (`reasons`).

No XMPP library and no WebRTC stack is needed here; the call code hands the `<jingle/>` elements
to the XMPP adapter and the SDP text to aiortc. Rules: spec/xmpp.md §4, flow: docs/calls.md.
"""

from meetroom.net.jingle.candidates import (
    CandidateFilter,
    RemoteCandidate,
    candidate_element,
    candidate_line,
    remote_candidates,
    transport_info,
)
from meetroom.net.jingle.jmi import JmiAction
from meetroom.net.jingle.ns import Role
from meetroom.net.jingle.reasons import Reason, read_reason, reason_element, session_terminate
from meetroom.net.jingle.sdp import SdpError
from meetroom.net.jingle.to_jingle import sdp_to_jingle
from meetroom.net.jingle.to_sdp import JingleError, is_bundled, jingle_to_sdp

__all__ = [
    "CandidateFilter",
    "JingleError",
    "JmiAction",
    "Reason",
    "RemoteCandidate",
    "Role",
    "SdpError",
    "candidate_element",
    "candidate_line",
    "is_bundled",
    "jingle_to_sdp",
    "read_reason",
    "reason_element",
    "remote_candidates",
    "sdp_to_jingle",
    "session_terminate",
    "transport_info",
]
