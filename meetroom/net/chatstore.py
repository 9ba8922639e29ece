"""Chat history in the instance's SQLite database, merged from live traffic and the archive.

Every message has an id that survives copies (server stanza-id, else origin-id), so the same
message seen live, as a carbon and again from the server archive is stored once.

The chat tables use their own connection to the instance database with synchronous=NORMAL:
in WAL mode a commit then costs no disk sync (about 0.1 ms instead of 5 ms here), survives a
crash of the process, and after a power cut the server archive refills what was lost.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from meetroom.store.db import Connection

INCOMING, OUTGOING = 0, 1
DEFAULT_LIMIT = 100_000
IDS_KEPT = 2  # message ids are remembered for twice as many messages as are kept (duplicate check)

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS chat_messages (
        seq       INTEGER PRIMARY KEY AUTOINCREMENT,
        account   TEXT NOT NULL,
        peer      TEXT NOT NULL,
        direction INTEGER NOT NULL,
        text      TEXT NOT NULL,
        time      REAL NOT NULL,
        msg_id    TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS chat_messages_peer ON chat_messages(account, peer, time)",
    """CREATE TABLE IF NOT EXISTS chat_peers (
        account TEXT NOT NULL,
        peer    TEXT NOT NULL,
        PRIMARY KEY (account, peer)
    )""",
    """CREATE TABLE IF NOT EXISTS chat_ids (
        account TEXT NOT NULL,
        msg_id  TEXT NOT NULL,
        seq     INTEGER NOT NULL,
        PRIMARY KEY (account, msg_id)
    )""",
    "CREATE INDEX IF NOT EXISTS chat_ids_seq ON chat_ids(seq)",
)


def chat_id(peer: str) -> str:
    """A stable 40-hex-character chat id for a one-to-one chat with `peer` (a CallId)."""
    return hashlib.sha1(f"p2p:{peer}".encode()).hexdigest()


@dataclass
class StoredMessage:
    peer: str
    direction: int
    text: str
    time: float


class ChatStore:
    """`limit` bounds the messages kept (all chats together): past it the earliest stored go first."""

    def __init__(self, path: Path, limit: Callable[[], int] | int = DEFAULT_LIMIT) -> None:
        self._store = Connection(path, synchronous="NORMAL", timeout=10)  # the chat tables' own connection
        self._limit = limit if callable(limit) else (lambda: limit)
        for sql in _SCHEMA:
            self._store.execute(sql)

    def close(self) -> None:
        self._store.close()

    def add(
        self, account: str, peer: str, direction: int, text: str, when: float, ids: list[str], *, retime: bool = False
    ) -> bool:
        """Store one message unless any of its ids is known; returns whether it was new.

        One transaction per message: a single disk sync, and no half-stored message. `retime`: a
        known message takes `when` as its time (an archive's order replaces the arrival order).
        """
        ids = [i for i in ids if i and len(i) > 2]
        execute = self._store.execute
        execute("BEGIN")
        try:
            known = None
            for msg_id in ids:
                row = execute("SELECT seq FROM chat_ids WHERE account=? AND msg_id=?", (account, msg_id))
                if row:
                    known = row[0][0]
                    break
            if known is None:
                rows = execute(
                    "INSERT INTO chat_messages(account, peer, direction, text, time, msg_id) VALUES(?,?,?,?,?,?) "
                    "RETURNING seq",
                    (account, peer, direction, text, when, ids[0] if ids else ""),
                )
                execute("INSERT OR IGNORE INTO chat_peers(account, peer) VALUES(?,?)", (account, peer))
            seq = known if known is not None else rows[0][0]
            if known is not None and retime:
                execute("UPDATE chat_messages SET time=? WHERE seq=?", (when, seq))
            # remember every id of the message (e.g. its archive id next to its origin id)
            for msg_id in ids:
                execute("INSERT OR IGNORE INTO chat_ids(account, msg_id, seq) VALUES(?,?,?)", (account, msg_id, seq))
            if known is None:
                self._drop_oldest(seq)
        except BaseException:
            execute("ROLLBACK")
            raise
        execute("COMMIT")
        return known is None

    def _drop_oldest(self, newest: int) -> None:
        """Keep at most `limit` messages: seq grows by one per stored message, so every message
        more than `limit` below the newest is older than the last `limit` (cheap, by primary key)."""
        limit = max(1, int(self._limit()))
        self._store.execute("DELETE FROM chat_messages WHERE seq <= ?", (newest - limit,))
        self._store.execute("DELETE FROM chat_ids WHERE seq <= ?", (newest - IDS_KEPT * limit,))

    def count(self) -> int:
        return self._store.execute("SELECT COUNT(*) FROM chat_messages")[0][0]

    def chats(self, account: str) -> list[str]:
        """Peers with history, most recent chat first."""
        rows = self._store.execute(
            "SELECT peer, MAX(time) AS t FROM chat_messages WHERE account=? GROUP BY peer ORDER BY t DESC", (account,)
        )
        return [r[0] for r in rows]

    def peer_of(self, account: str, cid: str) -> str | None:
        """The peer of a chat id; a cleared chat is still known."""
        for (peer,) in self._store.execute("SELECT peer FROM chat_peers WHERE account=?", (account,)):
            if chat_id(peer) == cid:
                return peer
        return None

    def last_messages(self, account: str, peer: str, begin: int, count: int) -> list[StoredMessage]:
        """`count` messages, skipping the `begin` newest ones, oldest first."""
        rows = self._store.execute(
            "SELECT peer, direction, text, time FROM chat_messages WHERE account=? AND peer=? "
            "ORDER BY time DESC, seq DESC LIMIT ? OFFSET ?",
            (account, peer, count, begin),
        )
        return [StoredMessage(*r) for r in reversed(rows)]

    def latest_time(self, account: str) -> float | None:
        rows = self._store.execute("SELECT MAX(time) FROM chat_messages WHERE account=?", (account,))
        return rows[0][0] if rows and rows[0][0] is not None else None

    def clear(self, account: str, peer: str) -> int:
        rows = self._store.execute("SELECT COUNT(*) FROM chat_messages WHERE account=? AND peer=?", (account, peer))
        # the ids stay known, so that the server archive cannot bring cleared messages back
        self._store.execute("DELETE FROM chat_messages WHERE account=? AND peer=?", (account, peer))
        return rows[0][0]
