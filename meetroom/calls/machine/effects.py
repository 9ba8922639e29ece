"""What the machine asks the driver to do. Each effect is plain data, so tests compare them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from meetroom.calls.causes import Cause, Record
from meetroom.calls.machine.state import LegKey, TimerKey
from meetroom.core.appstate import AppState


# --- signalling out ------------------------------------------------------------------------
@dataclass(frozen=True)
class SendJmi:
    """A JMI element: propose/ringing/proceed/accept, or reject/retract/finish with a reason."""

    to: str
    kind: str
    sid: str
    cause: Cause | None = None
    condition: str | None = None
    text: str = ""
    tie_break: bool = False


@dataclass(frozen=True)
class SendTerminate:
    """Jingle session-terminate, not waited for."""

    to: str
    sid: str
    cause: Cause | None = None
    condition: str = "success"


@dataclass(frozen=True)
class SendMute:
    """session-info mute/unmute of our microphone ("mic") or camera ("video") on this leg."""

    to: str
    leg: LegKey
    what: str
    muted: bool


@dataclass(frozen=True)
class SendInfo:
    """session-info with one payload that names no content (XEP-0167 ringing, active, hold)."""

    to: str
    sid: str
    payload: str


@dataclass(frozen=True)
class SendDescription:
    """Our session-initiate / session-accept IQ; the reply comes back as JingleDelivered."""

    to: str
    leg: LegKey
    jingle: Any


@dataclass(frozen=True)
class Ack:
    iq: Any


@dataclass(frozen=True)
class IqError:
    iq: Any
    condition: str
    jingle_condition: str = ""
    etype: str = "cancel"


# --- the API side --------------------------------------------------------------------------
@dataclass(frozen=True)
class Publish:
    event: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SetAppState:
    state: AppState


@dataclass(frozen=True)
class WriteHistory:
    kind: Record
    peer: str
    peer_dn: str
    start: float
    duration: float = 0.0


@dataclass(frozen=True)
class AddSlot:
    """A video-matrix slot for the peer (the driver announces videoMatrixChanged)."""

    peer: str
    peer_dn: str


@dataclass(frozen=True)
class RemoveSlot:
    peer: str


# --- timers --------------------------------------------------------------------------------
@dataclass(frozen=True)
class StartTimer:
    key: TimerKey
    seconds: float


@dataclass(frozen=True)
class CancelTimer:
    key: TimerKey


# --- media ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class MakeOffer:
    """Open the leg's peer connection and make our offer (→ LocalDescription / MediaRefused)."""

    leg: LegKey
    peer_full: str


@dataclass(frozen=True)
class MakeAnswer:
    """Open the leg's peer connection and answer `offer` (→ LocalDescription / MediaRefused)."""

    leg: LegKey
    peer_full: str
    offer: Any
    peer_is_meetroom: bool


@dataclass(frozen=True)
class ApplyAnswer:
    leg: LegKey
    answer: Any
    peer_is_meetroom: bool


@dataclass(frozen=True)
class AddCandidates:
    leg: LegKey
    transport_info: Any


@dataclass(frozen=True)
class CloseMedia:
    """Close the leg's peer connection; the effects after it wait until it is closed."""

    leg: LegKey


Effect = (
    SendJmi
    | SendTerminate
    | SendMute
    | SendInfo
    | SendDescription
    | Ack
    | IqError
    | Publish
    | SetAppState
    | WriteHistory
    | AddSlot
    | RemoveSlot
    | StartTimer
    | CancelTimer
    | MakeOffer
    | MakeAnswer
    | ApplyAnswer
    | AddCandidates
    | CloseMedia
)
