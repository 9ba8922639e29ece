"""A read-only view of the current call for commands and replies: the machine's leg plus its media."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from meetroom.calls.machine.state import Leg, Phase, Session

if TYPE_CHECKING:
    from meetroom.calls.media import CallMedia

__all__ = ["Call", "Phase"]


@dataclass(frozen=True)
class Call:
    session: Session
    leg: Leg
    media: CallMedia | None = None

    @property
    def sid(self) -> str:
        return self.session.sid

    @property
    def conf_id(self) -> str:
        return self.session.conf_id

    @property
    def outgoing(self) -> bool:
        return self.session.outgoing

    @property
    def owner(self) -> str:
        return self.session.owner

    @property
    def phase(self) -> Phase:
        return self.leg.phase

    @property
    def peer_bare(self) -> str:
        return self.leg.peer_bare

    @property
    def peer_full(self) -> str:
        return self.leg.peer_full

    @property
    def peer_id(self) -> str:
        return self.leg.peer_id

    @property
    def peer_dn(self) -> str:
        return self.leg.peer_dn

    @property
    def remote_mutes(self) -> dict[str, bool]:
        return self.leg.remote_mutes

    @property
    def duration(self) -> float:
        return self.leg.duration(time.time())
