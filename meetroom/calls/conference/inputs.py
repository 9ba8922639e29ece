"""What can happen to a conference, as the machine's inputs: commands, MUC events, results.

MUC stanzas arrive already parsed by net/muc.py (`Occupant`, `GroupMessage`, `Invitation`,
`Decline`); they are inputs as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from meetroom.net.muc import ConfSignal, Decline, GroupMessage, Invitation, Occupant, VoiceRequest


# --- API commands ------------------------------------------------------------------------
@dataclass(frozen=True)
class Create:
    local: str  # the room's local part, chosen by the driver (random hex) so the machine stays deterministic
    service: str  # the MUC service the room goes on
    title: str
    conf_type: str  # as the client wrote it
    auto_accept: bool
    invites: tuple[str, ...] = ()
    expands: bool = False  # expandCallToMulti: the running 1:1 call's peer is invited and joins at once
    smart: object = False  # smartMeeting: the podium by voice (role-based only); checked by the machine
    casters: object = None  # castersCount: podium seats (None: as many as the mesh)


@dataclass(frozen=True)
class Invite:
    peer: str


@dataclass(frozen=True)
class Accept:
    pass


@dataclass(frozen=True)
class Reject:
    pass


@dataclass(frozen=True)
class HangUp:
    for_all: bool = False


@dataclass(frozen=True)
class Kick:
    peer: str


@dataclass(frozen=True)
class SetModerator:
    peer: str
    moderator: bool


@dataclass(frozen=True)
class SendGroup:
    text: str


@dataclass(frozen=True)
class TurnRemote:
    """turnRemoteMic / turnRemoteCamera / turnRemoteSpeaker."""

    peer: str
    device: str  # "mic", "video", "speaker"
    on: bool


@dataclass(frozen=True)
class Podium:
    """A podium command; `peer` for the owner's ones (invite, kick, accept/reject a request)."""

    action: str  # goto, leave, invite, kick, accept-invitation, reject-invitation, accept-request, reject-request
    peer: str = ""


@dataclass(frozen=True)
class StartRemark:
    """startRemark: a listener asks to speak briefly (calls/conference/remarks.py)."""


@dataclass(frozen=True)
class JoinById:
    """`call` with a confId: what the room's disco#info told about it (the driver asked)."""

    conf_id: str
    room: str
    exists: bool
    title: str = ""
    members_only: bool = False
    description: str = ""  # meetroom's owner sets "meetroom:<type>:<owner InstanceId>"


@dataclass(frozen=True)
class AnswerRequest:
    """acceptPeer / rejectPeer (and setParticipantPresenceInWaitingRoom false) for a join request."""

    peer: str
    allow: bool


@dataclass(frozen=True)
class WaitingRoom:
    """setWaitingRoomState."""

    enable: bool
    admit_waiting: bool = False


@dataclass(frozen=True)
class SendToWaitingRoom:
    """setParticipantPresenceInWaitingRoom {callId, inWaitingRoom: true}: out of the conference, member no more."""

    peer: str


@dataclass(frozen=True)
class ChangeMode:
    """changeConferenceMode (meetroom extension): smart meeting on or off."""

    smart: object  # checked by the machine: must be a bool


@dataclass(frozen=True)
class AudioLevels:
    """What the owner's room hears from each participant now (its legs' audioLevel): the selector's input."""

    levels: Mapping[str, float]


@dataclass(frozen=True)
class SetReaction:
    reaction: int


@dataclass(frozen=True)
class Pin:
    peer: str
    pinned: bool


@dataclass(frozen=True)
class Shutdown:
    """The room closes: leave the conference."""


@dataclass(frozen=True)
class NetworkLost:
    """The room lost the server: the conference is over here."""


# --- results of effects ------------------------------------------------------------------
@dataclass(frozen=True)
class Configured:
    room: str
    ok: bool


@dataclass(frozen=True)
class TimerFired:
    name: str


@dataclass(frozen=True)
class CalledOwner:
    """Someone placed a one-to-one call to this room while it owns a conference (`call` doc page):
    it becomes a request to join; the call itself is answered busy by the one-to-one machine."""

    caller: str  # full JID


@dataclass(frozen=True)
class PeerMedia:
    """What a third-party occupant's real JID advertises (disco/caps), or that it offered us a Jingle session."""

    jid: str
    jingle: bool  # Jingle RTP audio/video: the mesh calls it directly


Input = (
    Create
    | Invite
    | Accept
    | Reject
    | HangUp
    | Kick
    | SetModerator
    | SendGroup
    | TurnRemote
    | Podium
    | StartRemark
    | JoinById
    | AnswerRequest
    | WaitingRoom
    | SendToWaitingRoom
    | ChangeMode
    | AudioLevels
    | SetReaction
    | Pin
    | Shutdown
    | NetworkLost
    | Configured
    | TimerFired
    | PeerMedia
    | Occupant
    | GroupMessage
    | Invitation
    | Decline
    | ConfSignal
    | VoiceRequest
    | CalledOwner
)
