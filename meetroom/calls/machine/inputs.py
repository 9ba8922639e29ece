"""What can happen to a call, as the machine's inputs: commands, stanzas (already parsed), results.

Stanzas come parsed by calls/signalling.py and net/jingle; media results come from the driver.
Opaque payloads (`Any`) are `<jingle/>` elements or IQ handles the machine only hands back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meetroom.calls.machine.state import LegKey, TimerKey
from meetroom.net.jingle.jmi import JmiAction
from meetroom.net.jingle.reasons import Reason


# --- API commands ------------------------------------------------------------------------
@dataclass(frozen=True)
class PlaceCall:
    peer: str  # as the client wrote it; the machine normalises it
    sid: str  # a fresh id (jmi.new_sid), chosen by the driver so the machine stays deterministic
    ice_error: str = ""  # the ICE host setting cannot be used: refuse the call with this text
    direct: str = ""  # a full JID that speaks Jingle RTP but not JMI: send it a session-initiate at once


@dataclass(frozen=True)
class Accept:
    pass


@dataclass(frozen=True)
class Reject:
    pass


@dataclass(frozen=True)
class HangUp:
    pass


@dataclass(frozen=True)
class Shutdown:
    """The room closes: end whatever call there is, as a local hang-up."""


# --- signalling in --------------------------------------------------------------------------
@dataclass(frozen=True)
class JmiIn:
    """One JMI action with where it came from."""

    action: JmiAction
    sender: str  # full JID (as sent)
    to: str
    carbon: str = ""  # "", "sent" or "received"
    delayed: bool = False


@dataclass(frozen=True)
class JmiBounced:
    """Our propose came back as a message error."""

    sid: str
    sender: str
    condition: str


@dataclass(frozen=True)
class JingleIn:
    """A Jingle IQ set; `iq` is handed back in the Ack/IqError effect that answers it."""

    iq: Any
    sender: str
    action: str
    sid: str
    payload: Any = None  # the <jingle/> element (offer, answer, transport-info)
    meetroom: bool = False  # carries the urn:meetroom:terminal:0 marker
    reason: Reason | None = None  # session-terminate
    infos: tuple[tuple[str, str], ...] = ()  # session-info: known (payload, content name) pairs
    has_children: bool = False  # session-info: any child at all (an empty one is a ping)


@dataclass(frozen=True)
class PeerUnavailable:
    full_jid: str


@dataclass(frozen=True)
class NetworkLost:
    """The room lost the server (appState fell below 3)."""


# --- results of effects ------------------------------------------------------------------------
@dataclass(frozen=True)
class TimerFired:
    key: TimerKey


@dataclass(frozen=True)
class LocalDescription:
    """Our offer or answer is ready as a <jingle/> element (session-initiate / session-accept)."""

    leg: LegKey
    jingle: Any


@dataclass(frozen=True)
class MediaRefused:
    """Making the offer, the answer, or using the peer's answer failed; `step` says which."""

    leg: LegKey
    step: str  # "offer", "answer", "apply"


@dataclass(frozen=True)
class JingleDelivered:
    """The peer answered our session-initiate / session-accept IQ (`ok`) or refused / ignored it."""

    leg: LegKey
    ok: bool


@dataclass(frozen=True)
class MediaConnected:
    leg: LegKey


@dataclass(frozen=True)
class MediaLost:
    """The peer connection failed or closed, or no media arrived for a while."""

    leg: LegKey
    reason: str


@dataclass(frozen=True)
class OwnMute:
    what: str  # "mic", "video" (others are ignored)
    muted: bool


Input = (
    PlaceCall
    | Accept
    | Reject
    | HangUp
    | Shutdown
    | JmiIn
    | JmiBounced
    | JingleIn
    | PeerUnavailable
    | NetworkLost
    | TimerFired
    | LocalDescription
    | MediaRefused
    | JingleDelivered
    | MediaConnected
    | MediaLost
    | OwnMute
)
