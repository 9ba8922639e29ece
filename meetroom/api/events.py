"""The event bus: every notification goes through here to the authorised sessions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from meetroom.api.envelope import notification
from meetroom.api.session import ADMIN, Session, encode

log = logging.getLogger(__name__)

Listener = Callable[[dict[str, Any]], None]


class EventBus:
    def __init__(self) -> None:
        self.sessions: set[Session] = set()
        self._listeners: list[Listener] = []

    def add_listener(self, listener: Listener) -> None:
        """In-process observers (the screen, tests of the core) get every notification."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def publish(self, event: str, fields: dict[str, Any] | None = None, *, admin_only: bool = False) -> None:
        message = notification(event, fields)
        text: str | None = None
        for session in list(self.sessions):
            if session.role is None or (admin_only and session.role != ADMIN):
                continue
            text = text or encode(message)
            session.send_encoded(text)
        for listener in list(self._listeners):
            try:
                listener(message)
            except Exception:  # a faulty observer must not break delivery to clients
                log.exception("event listener failed for %s", event)

    def send_to(self, session: Session, event: str, fields: dict[str, Any] | None = None) -> None:
        session.send(notification(event, fields))
