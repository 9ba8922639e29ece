"""What the machine remembers of a call: one session (a JMI id / Jingle sid) and its peer legs.

A one-to-one call is a session with one leg; a conference will be the same session with a leg
per peer, which is why timers, media and Jingle replies are addressed to a leg, not to "the call".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from meetroom.calls.phase import Phase


@dataclass(frozen=True)
class LegKey:
    """Names one peer leg of one session: media, timers and IQ replies are addressed by it."""

    sid: str
    peer: str  # the peer's CallId (bare JID)


@dataclass(frozen=True)
class TimerKey:
    leg: LegKey
    name: str  # "ring", "nobody-rings", "callee-ring", "initiate", "connect", "media-lost"


@dataclass
class Leg:
    key: LegKey
    peer_dn: str
    target: str = ""  # where our propose went (bare or full JID)
    peer_full: str = ""  # the resource that proposed / answered
    phase: Phase = Phase.RINGING
    connected_at: float | None = None
    offer: Any = None  # the peer's session-initiate (opaque <jingle/>), when it came before our accept
    peer_is_meetroom: bool = False
    rang: set[str] = field(default_factory=set)  # resources that sent <ringing/>
    rejected: set[str] = field(default_factory=set)
    remote_mutes: dict[str, bool] = field(default_factory=lambda: {"mic": False, "video": False})
    media_open: bool = False  # MakeOffer / MakeAnswer was emitted: the driver has a peer connection
    early_candidates: list[Any] = field(default_factory=list)  # transport-info payloads from before that

    @property
    def peer_bare(self) -> str:
        return self.key.peer

    @property
    def peer_id(self) -> str:
        """The peer as the API names it: InstanceId once a resource is known, else the CallId."""
        return self.peer_full or self.key.peer

    def duration(self, now: float) -> float:
        return now - self.connected_at if self.connected_at else 0.0


@dataclass
class Session:
    sid: str
    conf_id: str
    outgoing: bool
    owner: str  # the caller's InstanceId (conferenceOwner on both sides)
    created: float
    via_jmi: bool = True  # False: a session-initiate arrived without a propose
    legs: dict[str, Leg] = field(default_factory=dict)
    timers: set[TimerKey] = field(default_factory=set)

    @property
    def leg(self) -> Leg:
        """The one leg of a point-to-point call."""
        return next(iter(self.legs.values()))
