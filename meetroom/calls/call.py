"""The state of one call (one JMI id / Jingle sid); the manager moves it along."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

    from meetroom.calls.media import CallMedia


class Phase(Enum):
    RINGING = "ringing"  # propose sent / received, nobody answered yet
    NEGOTIATING = "negotiating"  # answered: Jingle offer/answer and ICE under way
    ACTIVE = "active"  # media connected: the "conference" exists for the API
    ENDED = "ended"


@dataclass
class Call:
    sid: str
    outgoing: bool
    peer_bare: str  # the other side's CallId
    conf_id: str
    peer_dn: str
    owner: str  # caller's InstanceId (conferenceOwner on both sides)
    target: str = ""  # where the propose went (bare or full JID)
    peer_full: str = ""  # the resource that proposed / answered
    phase: Phase = Phase.RINGING
    created: float = field(default_factory=time.time)
    connected_at: float | None = None
    media: CallMedia | None = None
    via_jmi: bool = True  # False: a session-initiate arrived without a propose
    offer_jingle: ET.Element | None = None  # session-initiate received before we accepted
    peer_is_meetroom: bool = False
    rang: set[str] = field(default_factory=set)
    rejected: set[str] = field(default_factory=set)
    remote_mutes: dict[str, bool] = field(default_factory=lambda: {"mic": False, "video": False})
    timers: list[asyncio.Task] = field(default_factory=list)
    tasks: list[asyncio.Task] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def peer_id(self) -> str:
        """The peer as the API names it: InstanceId once a resource is known, else the CallId."""
        return self.peer_full or self.peer_bare

    @property
    def duration(self) -> float:
        return time.time() - self.connected_at if self.connected_at else 0.0

    def cancel_timers(self) -> None:
        for timer in self.timers:
            if timer is not asyncio.current_task():
                timer.cancel()
        self.timers.clear()
