"""What the conference machine asks its driver to do; plain data, so tests compare them.

`Publish`, `SetAppState`, `AddSlot` and `RemoveSlot` are the one-to-one machine's own effects:
a conference announces and lays out its participants exactly as a call does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from meetroom.calls.conference.state import LegSpec
from meetroom.calls.machine.effects import AddSlot, Publish, RemoveSlot, SetAppState


# --- MUC -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Join:
    room: str
    nick: str


@dataclass(frozen=True)
class Leave:
    room: str
    nick: str


@dataclass(frozen=True)
class Configure:
    """Submit the room configuration; the answer comes back as Configured."""

    room: str
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class SetRole:
    room: str
    nick: str
    role: str  # "none" kicks


@dataclass(frozen=True)
class SetAffiliation:
    room: str
    jid: str  # bare
    affiliation: str


@dataclass(frozen=True)
class Destroy:
    room: str


@dataclass(frozen=True)
class SendGroup:
    room: str
    body: str


@dataclass(frozen=True)
class StoreGroupMessage:
    """Keep a conference chat message in the room's chat history (getListOfChats, getChatLastMessages)."""

    room: str
    title: str
    outgoing: bool
    body: str
    time: float
    msg_id: str = ""


@dataclass(frozen=True)
class SendInvite:
    to: str
    room: str
    title: str
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendDecline:
    to: str
    conf_id: str
    cause: int


@dataclass(frozen=True)
class SendSignal:
    """A meetroom control message to one participant (net/muc.py ConfSignal on the other side)."""

    to: str
    conf_id: str
    name: str
    attrs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendRoomSignal:
    """A meetroom control element to every occupant (a body-less group message, not stored)."""

    room: str
    conf_id: str
    name: str
    attrs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RequestVoice:
    room: str


@dataclass(frozen=True)
class SetOwnMute:
    """The owner or a moderator turned this room's microphone, camera or speaker on or off."""

    what: str  # "mic", "video", "speaker"
    muted: bool


# --- timers --------------------------------------------------------------------------------
@dataclass(frozen=True)
class StartTimer:
    name: str
    seconds: float


@dataclass(frozen=True)
class CancelTimer:
    name: str


# --- media (the topology seam) ---------------------------------------------------------------
@dataclass(frozen=True)
class ConnectLegs:
    """Exchange media with these participants (who starts each leg, whether this room sends on it)."""

    conf_id: str
    legs: tuple[LegSpec, ...]


@dataclass(frozen=True)
class UpdateLegs:
    """Running legs on which this room starts or stops sending (the podium changed)."""

    legs: tuple[LegSpec, ...]


@dataclass(frozen=True)
class DisconnectLegs:
    peers: tuple[str, ...]


@dataclass(frozen=True)
class CloseMedia:
    """End every leg; the effects after it wait until the media is closed."""


@dataclass(frozen=True)
class EndCallQuietly:
    """The one-to-one call this room placed goes on as a join request: end it without announcing it."""


Effect = (
    Join
    | Leave
    | Configure
    | SetRole
    | SetAffiliation
    | Destroy
    | SendGroup
    | StoreGroupMessage
    | SendInvite
    | SendDecline
    | SendSignal
    | SendRoomSignal
    | RequestVoice
    | SetOwnMute
    | StartTimer
    | CancelTimer
    | ConnectLegs
    | UpdateLegs
    | DisconnectLegs
    | CloseMedia
    | Publish
    | SetAppState
    | AddSlot
    | RemoveSlot
    | EndCallQuietly
)
