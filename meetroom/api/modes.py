"""One connection per control mode: granting a mode, taking it over, and revoking it."""

from __future__ import annotations

from meetroom.api.events import EventBus
from meetroom.api.session import Session
from meetroom.core.access import AccessControl

CAUSE_TAKEN_OVER = 1
CAUSE_USER_RESET = 2
CAUSE_ADMIN_CHANGED = 3
CAUSE_USER_CHANGED_BY_ADMIN = 4
CAUSE_USER_CHANGED_BY_USER = 5


class ModeSlots:
    def __init__(self, bus: EventBus, access: AccessControl) -> None:
        self._bus = bus
        self._access = access
        self.holders: dict[str, Session] = {}

    def grant(self, session: Session, role: str, kind: str) -> None:
        """Give `session` the mode; an earlier holder is told and loses it."""
        previous = self.holders.get(role)
        if previous is not None and previous is not session:
            self.revoke(previous, CAUSE_TAKEN_OVER)
        self.release(session)
        session.role = role
        session.auth_kind = kind
        self.holders[role] = session

    def revoke(self, session: Session, cause: int) -> None:
        self._bus.send_to(session, "authorizationNeeded", {"cause": cause})
        self.release(session)
        self._access.revoke_session(session.id)

    def revoke_mode(self, role: str, cause: int, *, keep: Session | None = None) -> None:
        holder = self.holders.get(role)
        if holder is not None and holder is not keep:
            self.revoke(holder, cause)

    def release(self, session: Session) -> None:
        if session.role is not None and self.holders.get(session.role) is session:
            del self.holders[session.role]
        session.role = None
        session.auth_kind = None
