"""Files between this room and another (a room or any XMPP client), as the API's file requests.

Sending (filesending.py): the file goes to the server's HTTP upload service (XEP-0363), then the
receiver gets an offer (fileoffer.py) with the download URL. Receiving (filereceiving.py): an offer
becomes a waiting request; on accept the room downloads it, checks size and sha-256, and only then
makes it one of the room's files. This service ties them to the login: whether the server has an
upload service, which session's stanzas count, the one HTTP client, the kept requests and their
history. Every change is announced through the event sink, in both API generations' names.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from meetroom.core.appstate import AppStateMachine
from meetroom.core.events import Events
from meetroom.core.tasks import TaskSet
from meetroom.net import fileoffer
from meetroom.net.filekit import FileTransferError, TransferKit
from meetroom.net.filenotices import FileNotices
from meetroom.net.fileprefs import FilePrefs
from meetroom.net.filereceiving import MAX_WAITING, FileReceiving
from meetroom.net.filerequests import INCOMING, TRANSFERRING, FileRequest, RequestBook
from meetroom.net.filesending import FileSending
from meetroom.net.httpupload import HTTP_TIMEOUT, UploadService, discover
from meetroom.net.service import NetworkService
from meetroom.net.xmpp import XmppSession
from meetroom.store.db import Store
from meetroom.store.files import FileStore

log = logging.getLogger(__name__)

FORBIDDEN_BY_SERVER, FORBIDDEN_BY_LICENCE, NEEDS_LOGIN, AVAILABLE = 0, 1, 2, 3
__all__ = ["MAX_WAITING", "ConferenceTarget", "FileTransferError", "FileTransfers"]


@dataclass(frozen=True)
class ConferenceTarget:
    conf_id: str
    room_jid: str  # the conference's MUC room (bare JID)


class FileTransfers:
    def __init__(
        self,
        net: NetworkService,
        files: FileStore,
        store: Store,
        appstate: AppStateMachine,
        events: Events,
        max_receive: Callable[[], int],
        delete_file: Callable[[int], object],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`max_receive` is the largest file the room takes (httpServerMaxPostFileSizeInBytes);
        `delete_file` removes one of the room's files with notice, unless it is in use."""
        self.net = net
        self.events = events
        self.delete_file = delete_file
        self.book = RequestBook(store)
        self.notices = FileNotices(self.book, events, clock)
        self.prefs = FilePrefs(store, events)
        self.availability = NEEDS_LOGIN
        self._service_session: XmppSession | None = None
        self._discovery: asyncio.Task[UploadService | None] | None = None
        self._background = TaskSet()
        self._http: aiohttp.ClientSession | None = None
        self._kit = TransferKit(
            net,
            files,
            self.book,
            self.notices,
            events,
            clock,
            self._client,
            self._background.spawn,
            self.upload_service,
        )
        self.sending = FileSending(self._kit)
        self.receiving = FileReceiving(self._kit, max_receive)
        # the current group conference, given by whoever holds conferences (None outside one)
        self.conference: Callable[[], ConferenceTarget | None] = lambda: None
        net.session_hooks.append(self._attach)
        appstate.on_change(lambda _snapshot: self._session_changed())

    @property
    def conference_sender(self) -> Callable[[str], tuple[str, str] | None]:
        """A conference occupant's JID → (confId, the poster's account), given by the same service."""
        return self.receiving.conference_sender

    @conference_sender.setter
    def conference_sender(self, find: Callable[[str], tuple[str, str] | None]) -> None:
        self.receiving.conference_sender = find

    # --- life cycle -------------------------------------------------------------------
    def start(self) -> None:
        """Read the kept requests; those a stop cut short are failed now (their bytes are gone)."""
        for request in self.book.load():
            log.info("file request %s was cut short by a restart", request.request_id)

    async def close(self) -> None:
        tasks = list(self._kit.tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for request in self.book.all():
            if request.status == TRANSFERRING:
                self.notices.fail(request, "the transfer was interrupted when the room stopped")
        self._background.cancel_all()
        if self._http is not None:
            await self._http.close()

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            # no proxies from the environment: the URL checked is the address contacted
            self._http = aiohttp.ClientSession(timeout=HTTP_TIMEOUT, trust_env=False, auto_decompress=False)
        return self._http

    # --- availability (follows the login and the server's upload service) -----------------
    def _session_changed(self) -> None:
        session = self.net.session if self.net.logged_in else None
        if session is self._service_session:
            return
        self._service_session = session
        self.receiving.probe = None
        if self._discovery is not None:
            self._discovery.cancel()
        if session is None:
            self._discovery = None
            self._set_availability(NEEDS_LOGIN)
            return
        self._discovery = self._background.spawn(self._discover(session))

    async def _discover(self, session: XmppSession) -> UploadService | None:
        try:
            service = await discover(session)
        except Exception:  # a session lost mid-way: no service known for it
            log.exception("looking for the server's upload service failed")
            service = None
        if session is self._service_session:
            self._set_availability(AVAILABLE if service is not None else FORBIDDEN_BY_SERVER)
        return service

    def _set_availability(self, value: int) -> None:
        if value == self.availability:
            return
        self.availability = value
        self.events.publish("fileTransferAvailabilityChanged", {"availability": value})
        self.events.publish("fileTransferAvailable", {"available": value == AVAILABLE})

    async def upload_service(self) -> UploadService | None:
        if self._discovery is None:
            return None
        with contextlib.suppress(asyncio.CancelledError):
            return await asyncio.shield(self._discovery)
        return None

    def _attach(self, session: XmppSession) -> None:
        handlers: dict[str, tuple[str, Callable[[XmppSession, Any], None]]] = {
            "meetroom-file-offer": (f"{{{fileoffer.NS_OOB}}}x", self.receiving.on_offer),
            "meetroom-file-answer": (f"{{{fileoffer.NS_FILE}}}answer", self.sending.on_answer),
            "meetroom-file-receipt": (f"{{{fileoffer.NS_RECEIPTS}}}received", self.sending.on_receipt),
            "meetroom-file-bounce": ("{jabber:client}error", self.sending.on_bounce),
        }
        for name, (child, handle) in handlers.items():
            session.add_handler(name, f"{{jabber:client}}message/{child}", lambda m, h=handle: h(session, m))

    # --- the API's requests -----------------------------------------------------------------
    async def send(self, peer: str, file_id: int) -> FileRequest:
        """sendFile: checks now, the transfer in the background; the request as created."""
        return await self.sending.send(peer, file_id)

    async def send_to_conference(self, file_id: int) -> FileRequest:
        """sendFileToConference: the file posted to the current group conference's chat."""
        self.net.require_session()
        target = self.conference()
        if target is None:
            raise FileTransferError("not in a group conference: there is no conference chat to send the file to")
        return await self.sending.send_to_conference(file_id, target.conf_id, target.room_jid)

    def accept(self, key: Any) -> FileRequest:
        return self.receiving.accept(key)

    async def reject(self, key: Any) -> FileRequest:
        """Decline a waiting request, or stop one that is downloading (its bytes are dropped)."""
        return await self.receiving.reject(key)

    # --- lists, history -------------------------------------------------------------------
    def request(self, key: Any) -> FileRequest:
        request = self.book.get(key)
        if request is None:
            raise FileTransferError(f"no file request '{key}'")
        return request

    def requests(self, direction: int | None = None) -> list[FileRequest]:
        return self.book.all(direction)

    def history(self) -> list[FileRequest]:
        return [r for r in self.book.all() if r.in_history]

    def clear_history(self, *, delete_files: bool) -> None:
        """Forget the finished requests; with `delete_files` the received files go too
        (except those in use)."""
        for request in [r for r in self.book.all() if r.finished]:
            if request.in_history:
                removed = False
                if delete_files and request.direction == INCOMING and request.file_id:
                    removed = bool(self.delete_file(request.file_id))
                fields = {**request.history_entry(), "peerDn": request.peer_dn, "removedFromDisk": removed}
                self.events.publish("fileDeletedFromFileTransferHistory", fields)
            self.book.remove(request)
        self.events.publish("fileTransferCleared" if delete_files else "fileTransferHistoryCleared", {})

    def file_deleted(self, file_id: int) -> None:
        """A file of the room was deleted: the history entries of its transfers go with it."""
        for request in [r for r in self.book.all() if r.in_history and r.file_id == file_id]:
            fields = {**request.history_entry(), "peerDn": request.peer_dn, "removedFromDisk": True}
            self.book.remove(request)
            self.events.publish("fileDeletedFromFileTransferHistory", fields)
