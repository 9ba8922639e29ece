"""How a call reaches its callee: a JMI propose (XEP-0353) or a direct Jingle session-initiate.

JMI is the way every modern client rings all its devices, so it stays the default. A client that
advertises Jingle RTP (XEP-0166/0167) but not JMI ignores a propose, so the room sends it the
session-initiate at once. What a resource supports comes from its XEP-0115 caps or a XEP-0030
disco#info query (meetroom.net.disco); unknown features count as "may speak JMI".
"""

from __future__ import annotations

from collections.abc import Mapping

from meetroom.net.jingle.info import RTP_INFO
from meetroom.net.jingle.jmi import JMI
from meetroom.net.jingle.ns import DTLS, ICE_UDP, JINGLE, RTP

RTP_AUDIO = "urn:xmpp:jingle:apps:rtp:audio"
RTP_VIDEO = "urn:xmpp:jingle:apps:rtp:video"
TERMINAL = "urn:meetroom:terminal:0"  # another meetroom room (all candidates in the SDP)

ROOM_FEATURES = (JINGLE, RTP, RTP_AUDIO, RTP_VIDEO, ICE_UDP, DTLS, RTP_INFO, JMI, TERMINAL)
"""What the room advertises (disco#info and caps), so that clients offer calls to it."""

Features = frozenset[str] | None  # None: not known (no caps, no disco#info answer)


def speaks_jingle_rtp(features: Features) -> bool:
    return features is not None and JINGLE in features and RTP in features


def direct_target(features: Mapping[str, Features]) -> str:
    """The full JID to send a session-initiate to, or "" to propose with JMI.

    `features` maps each online resource of the callee (just the one for a full-JID call), in
    the order to prefer them, to what it advertises. JMI wins whenever some resource may speak
    it; otherwise the first resource that speaks Jingle RTP is called directly.
    """
    if any(f is None or JMI in f for f in features.values()):
        return ""
    return next((jid for jid, f in features.items() if speaks_jingle_rtp(f)), "")


def speaks_jingle_media(features: Features) -> bool:
    """A conference occupant the mesh calls directly: Jingle RTP with audio or video, not a meetroom room.

    Such a client does not know the mesh's "smaller JID initiates" rule, so every room calls it.
    """
    if features is None or not speaks_jingle_rtp(features):
        return False
    return bool({RTP_AUDIO, RTP_VIDEO} & features) and TERMINAL not in features
