"""File requests: their state, the API's views of them, and where they are kept.

A request is one file offered to or by this room. Its `status` is the API's: 0 failed,
1 waiting for a decision, 2 transferring, 3 done; `outcome` says how it ended (sent, received,
rejected, cancelled, failed). Requests are kept in the room's store, so a restart finds them:
one that was transferring then is marked failed (its bytes never became a file).
No network here; `ProgressGate` decides when progress is worth announcing (fake-clock tests).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from meetroom.store.db import Store

FAILED, WAITING, TRANSFERRING, DONE = 0, 1, 2, 3
INCOMING, OUTGOING = 0, 1
NS = "fileRequests"
KEEP = 1000  # requests kept; past it the oldest finished ones go
PROGRESS_INTERVAL = 0.25  # at most four progress notifications a second, plus the final one


@dataclass
class FileRequest:
    request_id: str
    legacy_id: int
    direction: int
    status: int
    file_name: str
    file_size: int
    peer_id: str
    peer_dn: str
    timestamp: int  # creation, Unix ms
    file_id: int = 0  # outgoing: the file sent; incoming: the file received (0 until then)
    conf_id: str = ""
    url: str = ""
    sha256: str = ""
    peer_full: str = ""  # where answers go (the sender's or receiver's full JID)
    offer_id: str = ""  # incoming: the sender's id of the offer
    size_known: bool = True
    meetroom: bool = True  # the sender is a meetroom that expects answers (never in a conference)
    outcome: str = ""
    error: str = ""
    processed: int = 0
    speed: int = 0  # bytes per second of the transfer so far

    @property
    def finished(self) -> bool:
        return self.status in (FAILED, DONE)

    @property
    def in_history(self) -> bool:
        """Only files completely received or sent are history."""
        return self.status == DONE and self.outcome in ("sent", "received")

    def percents(self) -> int:
        if self.file_size <= 0:
            return 100 if self.status == DONE else 0
        return min(100, self.processed * 100 // self.file_size)

    def _peer(self, dn_key: str) -> dict[str, Any]:
        if self.conf_id and self.direction == OUTGOING:
            return {}
        return {"peerId": self.peer_id, dn_key: self.peer_dn}

    def _conf(self) -> dict[str, Any]:
        return {"confId": self.conf_id}

    def _file_id(self) -> dict[str, Any]:
        return {"fileId": self.file_id} if self.file_id else {}

    def _outcome(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"outcome": self.outcome} if self.outcome else {}
        if self.error:
            extra["error"] = self.error
        return extra

    # --- the API's views ------------------------------------------------------------------
    def status_event(self) -> dict[str, Any]:
        """fileRequestStatusChanged (and getFileRequestInfo without its fileId rule)."""
        return {
            "fileRequestId": self.request_id,
            "status": self.status,
            "directionType": self.direction,
            "fileName": self.file_name,
            **self._file_id(),
            **self._peer("peerDisplayName"),
            "timestamp": self.timestamp,
            **self._conf(),
            "fileSize": self.file_size,
            "id": self.legacy_id,
            **self._outcome(),
        }

    def info(self) -> dict[str, Any]:
        """getFileRequestInfo: every field, fileId 0 while an incoming file is not yet received."""
        return {**self.status_event(), "fileId": self.file_id}

    def legacy_info(self) -> dict[str, Any]:
        """getFileInfo and the entries of the older lists."""
        return {
            "id": self.legacy_id,
            "fileRequestId": self.request_id,
            "status": self.status,
            "directionType": self.direction,
            "fileName": self.file_name,
            "fileId": self.file_id,
            "peerId": self.peer_id,
            "peerDisplayName": self.peer_dn,
            "timestamp": self.timestamp,
            "confId": self.conf_id,
            "totalSize": self.file_size,
            "processedSize": self.processed,
            "speed": self.speed,
            "peersCount": 0 if self.conf_id else 1,
            **self._outcome(),
        }

    def list_entry(self) -> dict[str, Any]:
        """An entry of getIncomingFilesRequests / getOutgoingFilesRequests."""
        entry = {
            "fileRequestId": self.request_id,
            **self._peer("peerDn"),
            "fileName": self.file_name,
            "size": self.file_size,
            "status": self.status,
            "timestamp": self.timestamp,
            **self._file_id(),
            "id": self.legacy_id,
            **self._outcome(),
        }
        if self.conf_id:
            entry["confId"] = self.conf_id
        return entry

    def history_entry(self) -> dict[str, Any]:
        entry = {
            "fileRequestId": self.request_id,
            "directionType": self.direction,
            "fileName": self.file_name,
            "fileSize": self.file_size,
            "timestamp": self.timestamp,
            **self._peer("peerDn"),
            "fileId": self.file_id,
        }
        if self.conf_id:
            entry["confId"] = self.conf_id
        return entry

    def request_event(self) -> dict[str, Any]:
        """receivedFileRequest (with the older schema's `id` beside the current fields)."""
        return {
            "fileRequestId": self.request_id,
            "id": self.legacy_id,
            **self._conf(),
            "peerId": self.peer_id,
            "peerDn": self.peer_dn,
            "fileName": self.file_name,
            "fileSize": self.file_size,
            "timestamp": self.timestamp,
        }

    def answered_event(self) -> dict[str, Any]:
        """incomingFileRequestAccepted / incomingFileRequestRejected."""
        return {
            "fileRequestId": self.request_id,
            "fileName": self.file_name,
            "peerId": self.peer_id,
            "peerDn": self.peer_dn,
            "timestamp": self.timestamp,
            **self._conf(),
            "fileSize": self.file_size,
        }

    def progress_event(self) -> dict[str, Any]:
        """incomingFileRequestDownloadingProgress / outgoingFileRequestUploadingProgress."""
        return {
            "processedPercents": self.percents(),
            "fileRequestId": self.request_id,
            "fileSize": self.file_size,
            "fileName": self.file_name,
            **self._file_id(),
            **self._peer("peerDisplayName"),
            **self._conf(),
            "timestamp": self.timestamp,
        }

    def legacy_progress_event(self) -> dict[str, Any]:
        """fileDownloadingProgress / fileUploadingProgress."""
        fields = self.legacy_info()
        fields.pop("peersCount")
        return fields

    def legacy_status_event(self) -> dict[str, Any]:
        return {"id": self.legacy_id, "status": self.status, "directionType": self.direction, "confId": self.conf_id}


@dataclass
class ProgressGate:
    """Says when progress is worth announcing: at most once per `interval` seconds."""

    clock: Callable[[], float] = time.monotonic
    interval: float = PROGRESS_INTERVAL
    _last: float = field(default=float("-inf"))

    def due(self) -> bool:
        now = self.clock()
        if now - self._last < self.interval:
            return False
        self._last = now
        return True


class RequestBook:
    """The requests, in memory and in the store; `load` marks the ones a restart cut off."""

    def __init__(self, store: Store, keep: int = KEEP) -> None:
        self._store = store
        self._keep = keep
        self._requests: dict[str, FileRequest] = {}
        self._legacy = itertools.count(1)

    def load(self) -> list[FileRequest]:
        """Read the stored requests; returns those that were transferring and are now failed."""
        cut: list[FileRequest] = []
        for value in self._store.items(NS).values():
            try:
                request = FileRequest(**value)
            except TypeError:
                continue
            if request.status == TRANSFERRING:
                request.status, request.outcome = FAILED, "failed"
                request.error = "the transfer was interrupted when the room stopped"
                cut.append(request)
            self._requests[request.request_id] = request
        top = max((r.legacy_id for r in self._requests.values()), default=0)
        self._legacy = itertools.count(top + 1)
        for request in cut:
            self.save(request)
        return cut

    def next_legacy_id(self) -> int:
        return next(self._legacy)

    def add(self, request: FileRequest) -> None:
        self._requests[request.request_id] = request
        self.save(request)
        self._trim()

    def save(self, request: FileRequest) -> None:
        self._store.put(NS, request.request_id, asdict(request))

    def remove(self, request: FileRequest) -> None:
        self._requests.pop(request.request_id, None)
        self._store.delete(NS, request.request_id)

    def get(self, key: Any) -> FileRequest | None:
        """By fileRequestId, or by the older API's number (int or digits)."""
        if isinstance(key, str) and key in self._requests:
            return self._requests[key]
        if isinstance(key, bool):
            return None
        if isinstance(key, str) and key.isdigit() and len(key) < 12:
            key = int(key)
        if isinstance(key, int):
            return next((r for r in self._requests.values() if r.legacy_id == key), None)
        return None

    def find_offer(self, peer_id: str, offer_id: str, url: str) -> FileRequest | None:
        """An incoming request for the same offer (a copy delivered twice is one request)."""
        for r in self._requests.values():
            if r.direction == INCOMING and r.peer_id == peer_id and (r.offer_id or r.url) == (offer_id or url):
                return r
        return None

    def all(self, direction: int | None = None) -> list[FileRequest]:
        found = [r for r in self._requests.values() if direction is None or r.direction == direction]
        return sorted(found, key=lambda r: (r.timestamp, r.legacy_id))

    def _trim(self) -> None:
        finished = [r for r in self.all() if r.finished]
        for request in finished[: max(0, len(self._requests) - self._keep)]:
            self.remove(request)
