"""How a file request's changes are announced: status, outcome and progress, in both API generations.

Every change is saved to the request book before it is announced, so what a client hears is
what a restart finds. Progress goes out at most four times a second (ProgressGate) plus the final.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from meetroom.core.events import Events
from meetroom.net.filerequests import DONE, FAILED, INCOMING, FileRequest, ProgressGate, RequestBook

log = logging.getLogger(__name__)


class FileNotices:
    def __init__(self, book: RequestBook, events: Events, clock: Callable[[], float] = time.monotonic) -> None:
        self.book = book
        self.events = events
        self.clock = clock

    def status(self, request: FileRequest) -> None:
        self.book.save(request)
        self.events.publish("fileRequestStatusChanged", request.status_event())
        self.events.publish("fileStatus", request.legacy_status_event())

    def finish(self, request: FileRequest, outcome: str) -> None:
        request.status, request.outcome, request.error = DONE, outcome, ""
        self.status(request)

    def fail(self, request: FileRequest, reason: str) -> None:
        log.info("file request %s failed: %s", request.request_id, reason)
        request.status, request.outcome, request.error = FAILED, "failed", reason
        self.status(request)

    def progress_cb(self, request: FileRequest, started: float) -> Callable[[int], None]:
        """What a transfer calls with its byte count after every chunk."""
        gate = ProgressGate(self.clock)

        def progress(done: int) -> None:
            request.processed = done
            if gate.due():
                elapsed = self.clock() - started
                request.speed = int(done / elapsed) if elapsed > 0 else 0
                self.progress(request)

        return progress

    def progress(self, request: FileRequest) -> None:
        if request.direction == INCOMING:
            self.events.publish("incomingFileRequestDownloadingProgress", request.progress_event())
            self.events.publish("fileDownloadingProgress", request.legacy_progress_event())
        else:
            self.events.publish("outgoingFileRequestUploadingProgress", request.progress_event())
            self.events.publish("fileUploadingProgress", request.legacy_progress_event())
