"""A small namespaced key/value store on SQLite.

Settings, saved data containers and protection settings are few and small, so one table of
JSON values keyed by (namespace, key) serves them all; later features add their own tables
through `execute`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    ns    TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (ns, key)
);
"""


class Connection:
    """One SQLite connection in WAL mode (autocommit), used from any thread one statement at a time.

    `synchronous` picks the disk-sync cost of a commit; `timeout` how long a statement waits for
    another connection's write lock on the same file.
    """

    def __init__(self, path: Path, *, synchronous: str, timeout: float = 5.0) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=timeout)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={synchronous}")

    def execute(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()


class Store(Connection):
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        super().__init__(path, synchronous="FULL")
        self._db.executescript(_SCHEMA)

    def get(self, ns: str, key: str, default: Any = None) -> Any:
        with self._lock:
            row = self._db.execute("SELECT value FROM kv WHERE ns=? AND key=?", (ns, key)).fetchone()
        return default if row is None else json.loads(row[0])

    def put(self, ns: str, key: str, value: Any) -> None:
        text = json.dumps(value)
        with self._lock:
            self._db.execute(
                "INSERT INTO kv(ns, key, value) VALUES(?,?,?) ON CONFLICT(ns, key) DO UPDATE SET value=excluded.value",
                (ns, key, text),
            )

    def put_many(self, ns: str, values: dict[str, Any]) -> None:
        """Write several keys in one transaction: all land or none."""
        rows = [(ns, k, json.dumps(v)) for k, v in values.items()]
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    "INSERT INTO kv(ns, key, value) VALUES(?,?,?) "
                    "ON CONFLICT(ns, key) DO UPDATE SET value=excluded.value",
                    rows,
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def delete(self, ns: str, key: str) -> bool:
        with self._lock:
            cur = self._db.execute("DELETE FROM kv WHERE ns=? AND key=?", (ns, key))
        return cur.rowcount > 0

    def items(self, ns: str) -> dict[str, Any]:
        with self._lock:
            rows = self._db.execute("SELECT key, value FROM kv WHERE ns=? ORDER BY key", (ns,)).fetchall()
        return {k: json.loads(v) for k, v in rows}

    def count(self, ns: str) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM kv WHERE ns=?", (ns,)).fetchone()[0]
