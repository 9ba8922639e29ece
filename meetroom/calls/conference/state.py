"""What the conference machine remembers: the conference it is in, or the invitation ringing.

Identifiers (docs/conferences.md): confId `<hex>@<domain>#vcs` ↔ room JID `<hex>@<muc-service>`;
a participant is named by its real full JID (its InstanceId), never by its nick.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from meetroom.calls.conference.selector import SpeakerSelector
from meetroom.net.chatstore import chat_id

# createConference confType → the API's code (conferenceCreated.confType, inviteReceived.type)
CONF_TYPES = {"symmetric": 1, "asymmetric": 2, "assymetric": 2, "role": 3}  # the client library's spelling too
TYPE_NAMES = {1: "symmetric", 2: "asymmetric", 3: "role"}
ASYMMETRIC = 2
ROLE_BASED = 3


def conf_id_for_room(room: str, domain: str) -> str:
    return f"{room.partition('@')[0].lower()}@{domain.lower()}#vcs"


def room_jid_for(conf_id: str, service: str) -> str:
    return f"{conf_id.partition('@')[0].lower()}@{service.lower()}"


def group_chat_id(room: str) -> str:
    """The chatId of a conference's chat: the chat store's id for the room JID (getListOfChats lists it)."""
    return chat_id(room.lower())


DESCRIPTION_PREFIX = "meetroom"


def describe(owner: str, conf_type: int) -> str:
    """The room description a meetroom owner sets: how a joiner by confId learns type and owner."""
    return f"{DESCRIPTION_PREFIX}:{TYPE_NAMES[conf_type]}:{owner}"


def read_description(text: str) -> tuple[int, str] | None:
    """(API conference type, owner InstanceId) from a room description `describe` wrote."""
    prefix, _, rest = text.partition(":")
    kind, _, owner = rest.partition(":")
    if prefix != DESCRIPTION_PREFIX or kind not in CONF_TYPES or "/" not in owner:
        return None
    return CONF_TYPES[kind], owner


def bare(jid: str) -> str:
    return jid.partition("/")[0].lower()


@dataclass(frozen=True)
class LegSpec:
    """One media leg the topology should run: with whom, who starts it, whether this room sends."""

    peer: str
    initiator: bool
    send: bool = True
    direct: bool = False  # a third-party client: always called by us, its own session-initiate taken as the leg
    receive: bool = True  # the peer sends on it (False: a listener in a role-based conference), so silence is a loss
    send_audio: bool = False  # send audio even while `send` is off: a smart meeting's listener to the selector


class Phase(Enum):
    REQUESTING = "requesting"  # asked the owner of a members-only room to let us in (call with a confId)
    JOINING = "joining"  # presence sent, waiting for our own (110) presence / the room's configuration
    ACTIVE = "active"  # in the room: the conference exists for the API
    LEAVING = "leaving"  # unavailable presence sent (or destroy asked), waiting for the room's answer


@dataclass
class Participant:
    jid: str  # real full JID (InstanceId); room/nick when the room hides it
    nick: str
    dn: str
    affiliation: str = "none"
    role: str = "participant"
    mesh: bool = False  # a meetroom occupant that takes part in the media mesh
    jingle: bool = False  # a third-party occupant whose real JID speaks Jingle RTP audio/video (disco/caps)
    joined_at: float = 0.0
    reaction: int = 0  # setReaction: 0 none, 1 raised hand, ... 6 away

    @property
    def owner(self) -> bool:
        return self.affiliation == "owner"

    @property
    def moderator(self) -> bool:
        return self.role == "moderator"

    @property
    def voice(self) -> bool:
        """May speak (and, in a role-based conference, send media): on the podium."""
        return self.role in ("participant", "moderator")


@dataclass
class Invitation:
    """An invitation ringing here."""

    conf_id: str
    room: str
    inviter: str  # full JID
    inviter_dn: str
    title: str
    conf_type: int
    owner: str  # the owner's InstanceId as the invitation names it
    expands: str = ""  # the inviter's 1:1 call with us that this conference takes over
    smart: bool = False  # a smart meeting, as the invitation says (smart.py)

    @property
    def inviter_bare(self) -> str:
        return bare(self.inviter)


@dataclass
class Conference:
    conf_id: str
    room: str
    title: str
    conf_type: int
    owner: str  # InstanceId of the owner (conferenceOwner)
    auto_accept: bool
    created: float
    nick: str
    created_here: bool  # this room ran createConference (it configures and invites)
    phase: Phase = Phase.JOINING
    affiliation: str = "none"
    role: str = "none"
    inviter: str = ""  # who invited us (full JID); rejectReceived goes to its name when joining fails
    nick_tries: int = 1
    participants: dict[str, Participant] = field(default_factory=dict)  # by jid
    invited: dict[str, str] = field(default_factory=dict)  # bare JID → display name, answer pending
    to_invite: tuple[str, ...] = ()  # createConference's list, sent once the room is ready
    legs: dict[str, LegSpec] = field(default_factory=dict)  # jid → the leg the topology runs
    podium_requests: set[str] = field(default_factory=set)  # owner/moderator: who asked for the podium
    podium_invited: set[str] = field(default_factory=set)  # owner/moderator: invited, answer pending
    podium_invitation: str = ""  # participant: who invited us to the podium (pending)
    join_requests: dict[str, str] = field(default_factory=dict)  # owner/moderator: the waiting room, jid → name
    reaction: int = 0  # our own reaction
    expands: str = ""  # expandCallToMulti: the 1:1 call (confId) this conference takes over
    pinned: str = ""  # pinUser: the participant this room keeps in view
    remark_left: int = 0  # a listener's remark: seconds of voice left (remarkCountDown)
    remarks: set[str] = field(default_factory=set)  # owner: listeners given voice for a remark
    smart: bool = False  # a smart meeting: the owner's selector seats speakers by voice (selector.py)
    casters: int = 0  # castersCount: podium seats, the owner's included (0: as many as the mesh)
    selector: SpeakerSelector = field(default_factory=SpeakerSelector)  # the owner's, while smart
    timers: set[str] = field(default_factory=set)

    @property
    def is_owner(self) -> bool:
        return self.affiliation == "owner"

    @property
    def is_moderator(self) -> bool:
        return self.role == "moderator"

    @property
    def voice(self) -> bool:
        return self.role in ("participant", "moderator")

    def by_nick(self, nick: str) -> Participant | None:
        return next((p for p in self.participants.values() if p.nick == nick), None)
