"""The call log (getCallHistory & co.), kept in the room's SQLite database so it survives restarts."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from meetroom.core.events import Events
from meetroom.store.db import Store

NS = "calls"
DEFAULT_LIMIT = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS call_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type INTEGER NOT NULL,
    peer_id TEXT NOT NULL,
    peer_dn TEXT NOT NULL,
    conf_id TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    duration INTEGER NOT NULL
)
"""


class CallHistory:
    """`limit` bounds the entries kept; past it the oldest go first. It announces its own clearing
    and viewing, so every way of changing the log tells the clients the same."""

    def __init__(self, store: Store, events: Events, limit: Callable[[], int] | int = DEFAULT_LIMIT) -> None:
        self._store = store
        self._events = events
        self._limit = limit if callable(limit) else (lambda: limit)
        store.execute(_SCHEMA)

    def add(self, kind: int, peer_id: str, peer_dn: str, conf_id: str, start: float, duration: float) -> None:
        rows = self._store.execute(
            "INSERT INTO call_history(type, peer_id, peer_dn, conf_id, start_time, duration) VALUES(?,?,?,?,?,?) "
            "RETURNING id",
            (kind, peer_id, peer_dn, conf_id, int(start), max(0, round(duration))),
        )
        # ids grow by one per entry: everything `limit` below the newest is older than the last `limit`
        self._store.execute("DELETE FROM call_history WHERE id <= ?", (rows[0][0] - max(1, int(self._limit())),))

    def count(self) -> int:
        return self._store.execute("SELECT COUNT(*) FROM call_history")[0][0]

    @property
    def last_view(self) -> int:
        return int(self._store.get(NS, "lastView", 0))

    def mark_viewed(self) -> int:
        now = int(time.time())
        self._store.put(NS, "lastView", now)
        self._events.publish("lastCallsViewed", {"lastView": now})
        return now

    def clear(self) -> None:
        self._store.execute("DELETE FROM call_history")
        self._events.publish("callHistoryCleared", {})

    def recent(self, count: int) -> list[dict[str, Any]]:
        rows = self._store.execute(
            "SELECT type, peer_id, peer_dn, conf_id, start_time, duration FROM call_history ORDER BY id DESC LIMIT ?",
            (count,),
        )
        seen = self.last_view
        return [
            {
                "type": kind,
                "confType": 0,
                "confTitle": "",
                "peerId": peer,
                "peerDn": name,
                "confId": conf,
                "startTime": start,
                "duration": duration,
                "viewed": start <= seen,
                "streamId": "",
            }
            for kind, peer, name, conf, start, duration in rows
        ]
