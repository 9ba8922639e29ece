"""The uploaded files as a service: what the HTTP server stored, and deleting them with notice.

`FileStore` keeps the files and their metadata; this wrapper is what deletes them on behalf of
a command or the slideshow, so fileTransferFileDeleted is announced from one place.
"""

from __future__ import annotations

from pathlib import Path

from meetroom.core.events import Events
from meetroom.store.files import FileRecord, FileStore


class UploadedFiles:
    def __init__(self, files: FileStore, events: Events) -> None:
        self.files = files
        self.events = events

    def get(self, file_id: int) -> FileRecord | None:
        return self.files.get(file_id)

    def path(self, file_id: int) -> Path:
        return self.files.path(file_id)

    def all(self) -> list[FileRecord]:
        return list(self.files.all())

    def delete(self, file_id: int) -> FileRecord | None:
        """Delete the file and announce it; None when there was no such file."""
        record = self.files.delete(file_id)
        if record is not None:
            self.events.publish("fileTransferFileDeleted", {"file": record.entry()})
        return record
