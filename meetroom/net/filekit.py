"""What the sending and the receiving side of file transfer share, and the refusal they both raise."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from meetroom.core.events import Events
from meetroom.net.filenotices import FileNotices
from meetroom.net.filerequests import FileRequest, RequestBook
from meetroom.net.httpupload import TransferError, UploadService
from meetroom.net.service import NetworkService
from meetroom.net.xmpp import XmppSession
from meetroom.store.files import FileStore

if TYPE_CHECKING:
    import aiohttp


class FileTransferError(TransferError):
    """A file request the room cannot carry out: unknown id, wrong state, a limit."""


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class TransferKit:
    """The parts both sides use; the service that builds them owns their life cycle."""

    net: NetworkService
    files: FileStore
    book: RequestBook
    notices: FileNotices
    events: Events
    clock: Callable[[], float]
    client: Callable[[], aiohttp.ClientSession]  # the one HTTP client (no proxies from the environment)
    spawn: Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]]  # a background task the owner stops
    upload_service: Callable[[], Awaitable[UploadService | None]]
    tasks: dict[str, asyncio.Task[Any]] = field(default_factory=dict)  # running transfers by request id

    def run(self, request: FileRequest, coro: Coroutine[Any, Any, None]) -> None:
        """A transfer in the background, found by its request id while it runs (to be stopped)."""
        task = self.spawn(coro)
        self.tasks[request.request_id] = task
        task.add_done_callback(lambda _t: self.tasks.pop(request.request_id, None))

    def current(self, session: XmppSession) -> bool:
        """Whether a stanza came on the session the room uses now (not one it has left)."""
        return self.net.session is session
