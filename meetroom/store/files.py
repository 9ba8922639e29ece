"""Files uploaded to the built-in HTTP server: bytes on disk, metadata in SQLite.

A file's bytes live at <files dir>/<numeric id>, so no client-supplied text ever becomes part of
a path; the original name is metadata only. An upload is written to a temporary name and only
becomes a file (row + final name) when it completed within the size limit.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from meetroom.store.db import Store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS uploaded_files (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL,
    size    INTEGER NOT NULL,
    mime    TEXT NOT NULL,
    created REAL NOT NULL
)
"""
MAX_NAME = 255
DEFAULT_LIMIT = 1000


@dataclass(frozen=True)
class FileRecord:
    id: int
    name: str
    size: int
    mime: str
    created: float

    def entry(self) -> dict[str, Any]:
        return {"fileId": self.id, "fileName": self.name}


def clean_name(name: str | None) -> str:
    """The last path component of a client's file name, without control characters."""
    base = unquote(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:MAX_NAME] or "file"


def parse_id(text: Any) -> int | None:
    """A file id from a URL segment or a command field; None unless it is a plain positive number."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text if text > 0 else None
    if isinstance(text, str) and text.isdigit() and text.isascii() and len(text) <= 12:
        value = int(text)
        return value if value > 0 else None
    return None


class FileStore:
    """`limit` bounds the files kept (the file-transfer list); past it the oldest go first, except
    those `in_use` says the room shows (background, logo, slides...)."""

    def __init__(self, store: Store, directory: Path, limit: Callable[[], int] | int = DEFAULT_LIMIT) -> None:
        self._store = store
        self._limit = limit if callable(limit) else (lambda: limit)
        self.in_use: Callable[[int], bool] = lambda file_id: False
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        store.execute(_SCHEMA)
        for leftover in directory.glob("*.part"):  # uploads cut short by a crash
            leftover.unlink(missing_ok=True)

    def path(self, file_id: int) -> Path:
        return self.directory / str(int(file_id))

    def new_upload(self) -> tuple[int, Path]:
        """A fresh id and the temporary path its bytes are written to."""
        while True:
            file_id = secrets.randbelow(2**31 - 2) + 1
            if self.get(file_id) is None and not self.path(file_id).exists():
                return file_id, self.directory / f"{file_id}.part"

    def commit(self, file_id: int, temp: Path, name: str, size: int, mime: str) -> FileRecord:
        record = FileRecord(file_id, clean_name(name), size, mime or "application/octet-stream", time.time())
        os.replace(temp, self.path(file_id))
        self._store.execute(
            "INSERT INTO uploaded_files(id, name, size, mime, created) VALUES(?,?,?,?,?)",
            (record.id, record.name, record.size, record.mime, record.created),
        )
        self._drop_oldest(keep=record.id)
        return record

    def _drop_oldest(self, keep: int) -> list[int]:
        excess = self._store.execute("SELECT COUNT(*) FROM uploaded_files")[0][0] - max(1, int(self._limit()))
        if excess <= 0:
            return []
        dropped = []
        for (file_id,) in self._store.execute("SELECT id FROM uploaded_files ORDER BY created, id"):
            if len(dropped) >= excess:
                break
            if file_id != keep and not self.in_use(file_id):
                self.delete(file_id)
                dropped.append(file_id)
        return dropped

    @staticmethod
    def abort(temp: Path) -> None:
        with contextlib.suppress(OSError):
            temp.unlink()

    def get(self, file_id: int) -> FileRecord | None:
        rows = self._store.execute("SELECT id, name, size, mime, created FROM uploaded_files WHERE id=?", (file_id,))
        return FileRecord(*rows[0]) if rows else None

    def all(self) -> list[FileRecord]:
        rows = self._store.execute("SELECT id, name, size, mime, created FROM uploaded_files ORDER BY created, id")
        return [FileRecord(*row) for row in rows]

    def delete(self, file_id: int) -> FileRecord | None:
        record = self.get(file_id)
        if record is None:
            return None
        self._store.execute("DELETE FROM uploaded_files WHERE id=?", (file_id,))
        with contextlib.suppress(OSError):
            self.path(file_id).unlink()
        return record
