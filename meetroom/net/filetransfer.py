"""Files between this room and another (a room or any XMPP client), as the API's file requests.

Sending: the file goes to the server's HTTP upload service (XEP-0363), then the receiver gets an
offer (fileoffer.py) with the download URL. Receiving: an offer becomes a waiting request; on
accept the room downloads it into the files directory under a temporary name, checks size and
sha-256, and only then makes it one of the room's files. The room fetches only URLs of its own
server's upload service (learned from a slot it asks for itself), never anything an offer names
elsewhere. Every change is announced through the event sink, in both API generations' names.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mimetypes
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from slixmpp.jid import JID

from meetroom.core.appstate import AppStateMachine
from meetroom.core.events import Events
from meetroom.core.tasks import TaskSet
from meetroom.net import fileoffer
from meetroom.net.filenotices import FileNotices
from meetroom.net.fileprefs import FilePrefs
from meetroom.net.filerequests import (
    FAILED,
    INCOMING,
    OUTGOING,
    TRANSFERRING,
    WAITING,
    FileRequest,
    RequestBook,
)
from meetroom.net.httpupload import (
    HTTP_TIMEOUT,
    TransferError,
    UploadService,
    discover,
    download,
    head_size,
    request_slot,
    upload,
)
from meetroom.net.service import NetworkService
from meetroom.net.xmpp import NS_HINTS, XmppSession
from meetroom.store.db import Store
from meetroom.store.files import FileRecord, FileStore

log = logging.getLogger(__name__)

FORBIDDEN_BY_SERVER, FORBIDDEN_BY_LICENCE, NEEDS_LOGIN, AVAILABLE = 0, 1, 2, 3
DELIVERY_WAIT = 10.0  # seconds an offer waits for a receipt or a bounce before it counts as sent
OFFER_PREFIX = "mf-"
MAX_WAITING = 100  # offers waiting for an answer; past it new ones are refused (a stranger's flood)
WAITING_TTL_MS = 24 * 3600 * 1000  # an offer unanswered for this long expires


@dataclass(frozen=True)
class ConferenceTarget:
    conf_id: str
    room_jid: str  # the conference's MUC room (bare JID)


class FileTransferError(TransferError):
    """A file request the room cannot carry out: unknown id, wrong state, a limit."""


def _now_ms() -> int:
    return int(time.time() * 1000)


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
        self.files = files
        self.store = store
        self.events = events
        self.max_receive = max_receive
        self.delete_file = delete_file
        self.clock = clock
        self.book = RequestBook(store)
        self.notices = FileNotices(self.book, events, clock)
        self.prefs = FilePrefs(store, events)
        self.availability = NEEDS_LOGIN
        self._service_session: XmppSession | None = None
        self._discovery: asyncio.Task[UploadService | None] | None = None
        self._probe: tuple[XmppSession, str] | None = None
        self._probe_lock = asyncio.Lock()
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._waiters: dict[str, asyncio.Future[str]] = {}
        self._background = TaskSet()
        self._http: aiohttp.ClientSession | None = None
        # the current group conference, given by whoever holds conferences (None outside one)
        self.conference: Callable[[], ConferenceTarget | None] = lambda: None
        # a conference occupant's JID → (confId, the poster's account), given by the same service
        self.conference_sender: Callable[[str], tuple[str, str] | None] = lambda occupant: None
        net.session_hooks.append(self._attach)
        appstate.on_change(lambda _snapshot: self._session_changed())

    # --- life cycle -------------------------------------------------------------------
    def start(self) -> None:
        """Read the kept requests; those a stop cut short are failed now (their bytes are gone)."""
        for request in self.book.load():
            log.info("file request %s was cut short by a restart", request.request_id)

    async def close(self) -> None:
        tasks = list(self._tasks.values())
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

    def _run(self, request: FileRequest, coro: Coroutine[Any, Any, None]) -> None:
        task = self._background.spawn(coro)
        self._tasks[request.request_id] = task
        task.add_done_callback(lambda _t: self._tasks.pop(request.request_id, None))

    # --- availability (follows the login and the server's upload service) -----------------
    def _session_changed(self) -> None:
        session = self.net.session if self.net.logged_in else None
        if session is self._service_session:
            return
        self._service_session = session
        self._probe = None
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

    # --- sending ----------------------------------------------------------------------
    async def _sendable(self, file_id: int) -> tuple[FileRecord, Path, UploadService]:
        """The file, its path and the upload service, or the reason it cannot be sent."""
        record = self.files.get(file_id)
        path = self.files.path(file_id)
        if record is None or not path.is_file():
            raise FileTransferError(f"no uploaded file with id {file_id}")
        service = await self.upload_service()
        if service is None:
            raise FileTransferError("the server offers no HTTP file upload (XEP-0363): files cannot be sent")
        if service.max_size and record.size > service.max_size:
            raise FileTransferError(
                f"the file has {record.size} bytes; the server's upload service takes at most {service.max_size}"
            )
        return record, path, service

    def _new_outgoing(self, record: FileRecord, peer_id: str = "", peer_dn: str = "", conf_id: str = "") -> FileRequest:
        """An outgoing request for an uploaded file, kept in the book: to a peer, or to a conference."""
        request = FileRequest(
            request_id=str(uuid.uuid4()),
            legacy_id=self.book.next_legacy_id(),
            direction=OUTGOING,
            status=TRANSFERRING,
            file_name=record.name,
            file_size=record.size,
            peer_id=peer_id,
            peer_dn=peer_dn,
            timestamp=_now_ms(),
            file_id=record.id,
            conf_id=conf_id,
        )
        self.book.add(request)
        return request

    async def send(self, peer: str, file_id: int) -> FileRequest:
        """sendFile: checks now, the transfer in the background; the request as created."""
        session = self.net.require_session()
        bare = self.net.to_call_id(peer)
        if bare == self.net.account_id:
            raise FileTransferError("a file cannot be sent to this room's own account")
        record, path, service = await self._sendable(file_id)
        if self._known_offline(bare):
            raise FileTransferError(f"{bare} is offline: the file cannot be offered now")
        request = self._new_outgoing(record, peer_id=bare, peer_dn=self.net.peer_dn(bare))
        self.events.publish(
            "outgoingFileRequestSent",
            {
                "fileRequestId": request.request_id,
                "id": request.legacy_id,
                "peerId": bare,
                "peerDn": request.peer_dn,
                "fileName": request.file_name,
                "fileId": request.file_id,
                "fileSize": request.file_size,
                "timestamp": request.timestamp,
            },
        )
        self.notices.status(request)
        self._run(request, self._send(session, service, request, path, record.mime, self._offer))
        return request

    async def send_to_conference(self, file_id: int) -> FileRequest:
        """sendFileToConference: the file posted to the current group conference's chat."""
        session = self.net.require_session()
        target = self.conference()
        if target is None:
            raise FileTransferError("not in a group conference: there is no conference chat to send the file to")
        record, path, service = await self._sendable(file_id)
        request = self._new_outgoing(record, conf_id=target.conf_id)
        self.events.publish(
            "outgoingFileRequestSentToConference",
            {
                "fileName": request.file_name,
                "fileRequestId": request.request_id,
                "id": request.legacy_id,
                "timestamp": request.timestamp,
                "fileId": request.file_id,
                "confId": request.conf_id,
                "fileSize": request.file_size,
            },
        )
        self.notices.status(request)

        async def post(session: XmppSession, request: FileRequest) -> str:
            self._post_to_conference(session, request, target.room_jid)
            return ""

        self._run(request, self._send(session, service, request, path, record.mime, post))
        return request

    def _known_offline(self, bare: str) -> bool:
        """A contact whose presence the room receives and that has no resource online."""
        contact = self.net.contacts.get(bare)
        if contact is None or contact.subscription not in ("to", "both"):
            return False
        seen = self.net.presence.get(bare)
        return not (seen.resources if seen is not None else {})

    async def _send(
        self,
        session: XmppSession,
        service: UploadService,
        request: FileRequest,
        path: Path,
        mime: str,
        deliver: Callable[[XmppSession, FileRequest], Awaitable[str]],
    ) -> None:
        """Upload, then `deliver` the offer (it returns why the receiver cannot get it, or empty)."""
        try:
            slot = await request_slot(session, service, request.file_name, request.file_size, mime)
            started = self.clock()
            request.sha256 = await upload(
                self._client(), slot, path, request.file_size, mime, self.notices.progress_cb(request, started)
            )
            request.url = slot.get_url
            request.processed = request.file_size
            self.notices.progress(request)
            bounce = await deliver(session, request)
        except TransferError as exc:
            self.notices.fail(request, exc.error)
            return
        except OSError as exc:
            self.notices.fail(request, f"the file could not be read: {exc}")
            return
        if bounce:
            self.notices.fail(request, bounce)
            return
        self.notices.finish(request, "sent")
        if request.conf_id:
            fields = {"name": request.file_name, "id": request.legacy_id, "fileId": request.file_id}
            self.events.publish("fileConferenceSent", {**fields, "confId": request.conf_id})
            return
        self.events.publish(
            "fileSent",
            {
                "name": request.file_name,
                "id": request.legacy_id,
                "fileRequestId": request.request_id,
                "peerId": request.peer_id,
                "peerDn": request.peer_dn,
                "fileId": request.file_id,
                "confId": request.conf_id,
            },
        )

    async def _offer(self, session: XmppSession, request: FileRequest) -> str:
        """Send the offer; the bounce's reason when the receiver cannot get it, else empty."""
        offer = fileoffer.Offer(
            request.url, request.file_name, request.file_size, request.sha256, request.request_id, True
        )
        msg_id = OFFER_PREFIX + request.request_id
        waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiters[msg_id] = waiter
        msg = session.client.make_message(mto=request.peer_id, mbody=request.url, mtype="chat")
        msg["id"] = msg_id
        for element in fileoffer.offer_elements(offer):
            msg.append(element)
        try:
            session.send(msg)
            return await asyncio.wait_for(asyncio.shield(waiter), DELIVERY_WAIT)
        except TimeoutError:
            return ""  # no receipt (some clients send none) and no bounce: delivered as far as known
        finally:
            self._waiters.pop(msg_id, None)

    def _post_to_conference(self, session: XmppSession, request: FileRequest, room_jid: str) -> None:
        """The offer as a groupchat message (no receipts in a conference: posted is sent)."""
        offer = fileoffer.Offer(
            request.url, request.file_name, request.file_size, request.sha256, request.request_id, True
        )
        msg = session.client.make_message(mto=room_jid, mbody=request.url, mtype="groupchat")
        for element in fileoffer.offer_elements(offer, receipt=False):
            msg.append(element)
        session.send(msg)

    # --- receiving ----------------------------------------------------------------------
    def _attach(self, session: XmppSession) -> None:
        session.add_handler(
            "meetroom-file-offer",
            f"{{jabber:client}}message/{{{fileoffer.NS_OOB}}}x",
            lambda m: self._on_offer(session, m),
        )
        session.add_handler(
            "meetroom-file-answer",
            f"{{jabber:client}}message/{{{fileoffer.NS_FILE}}}answer",
            lambda m: self._on_answer(session, m),
        )
        session.add_handler(
            "meetroom-file-receipt",
            f"{{jabber:client}}message/{{{fileoffer.NS_RECEIPTS}}}received",
            lambda m: self._on_receipt(session, m),
        )
        session.add_handler(
            "meetroom-file-bounce", "{jabber:client}message/{jabber:client}error", lambda m: self._on_bounce(session, m)
        )

    def _current(self, session: XmppSession) -> bool:
        return self.net.session is session

    def _on_offer(self, session: XmppSession, msg: Any) -> None:
        if not self._current(session) or msg["type"] == "error":
            return
        offer = fileoffer.read_offer(msg.xml)
        if offer is None:
            return
        if msg["type"] == "groupchat":
            self._on_conference_offer(session, str(msg["from"]), offer)
            return
        sender = JID(str(msg["from"]))
        if str(sender) == session.full_jid:
            return
        if fileoffer.wants_receipt(msg.xml) and msg["id"]:
            receipt = session.client.make_message(mto=sender)
            receipt.append(fileoffer.receipt_element(msg["id"]))
            session.send(receipt)
        self._background.spawn(self._take_offer(session, sender, offer))

    def _on_conference_offer(self, session: XmppSession, occupant: str, offer: fileoffer.Offer) -> None:
        """A file posted in a conference's chat: taken when the conference service knows the
        poster's account (no receipts or answers in a conference)."""
        found = self.conference_sender(occupant)
        if found is None:
            return
        conf_id, account = found
        if account.lower() == self.net.account_id:
            return  # this room's own post, reflected by the conference
        self._background.spawn(self._take_offer(session, JID(account), offer, conf_id))

    async def _service_url(self, session: XmppSession) -> str:
        """A slot URL of this room's own server's upload service: what offers are checked against."""
        async with self._probe_lock:
            if self._probe is not None and self._probe[0] is session:
                return self._probe[1]
            service = await self.upload_service()
            url = ""
            if service is not None:
                try:
                    url = (await request_slot(session, service, "probe", 1, "application/octet-stream")).get_url
                except TransferError as exc:
                    log.warning("cannot learn the upload service's address: %s", exc)
            self._probe = (session, url)
            return url

    async def _take_offer(self, session: XmppSession, sender: JID, offer: fileoffer.Offer, conf_id: str = "") -> None:
        try:
            await self._check_offer(session, sender, offer, conf_id)
        except Exception:  # one odd offer must not go unnoticed, nor disturb the others
            log.exception("handling a file offer from %s failed", sender)

    async def _check_offer(self, session: XmppSession, sender: JID, offer: fileoffer.Offer, conf_id: str = "") -> None:
        bare = sender.bare.lower()
        answers = offer.meetroom and bool(offer.offer_id) and not conf_id
        self._expire_waiting()
        waiting = sum(1 for r in self.book.all(INCOMING) if r.status == WAITING)
        if waiting >= MAX_WAITING:
            log.warning("refused a file offer from %s: %d requests are waiting already", sender, waiting)
            if answers:
                self._answer_to(session, str(sender), offer.offer_id, "refused", "too many offers wait for an answer")
            return
        if self.book.find_offer(bare, offer.offer_id, offer.url) is not None:
            return  # the same offer again (a second copy): one request
        reason = fileoffer.refusal(offer.url, await self._service_url(session))
        if not reason and sender.domain.lower() != session.client.boundjid.domain.lower():
            reason = "offers are taken only from accounts of this room's server"
        if reason:
            log.warning("refused a file offer from %s: %s", sender, reason)
            if answers and self._current(session):
                self._answer_to(session, str(sender), offer.offer_id, "refused", reason)
            return
        size = offer.size
        if size is None:
            size = await head_size(self._client(), offer.url)
        if self.book.find_offer(bare, offer.offer_id, offer.url) is not None:
            return
        request = FileRequest(
            request_id=str(uuid.uuid4()),
            legacy_id=self.book.next_legacy_id(),
            direction=INCOMING,
            status=WAITING,
            file_name=offer.name,
            file_size=size or 0,
            peer_id=bare,
            peer_dn=self.net.peer_dn(bare),
            timestamp=_now_ms(),
            url=offer.url,
            sha256=offer.sha256,
            peer_full=str(sender),
            offer_id=offer.offer_id,
            conf_id=conf_id,
            size_known=size is not None,
            meetroom=answers,
        )
        self.book.add(request)
        self.events.publish("receivedFileRequest", request.request_event())
        self.notices.status(request)

    def _expire_waiting(self) -> None:
        """Offers left unanswered for a day are failed, so they stop counting against MAX_WAITING."""
        oldest = _now_ms() - WAITING_TTL_MS
        for request in self.book.all(INCOMING):
            if request.status == WAITING and request.timestamp < oldest:
                self.notices.fail(request, "the offer expired unanswered")

    def _incoming(self, key: Any) -> FileRequest:
        request = self.book.get(key)
        if request is None or request.direction != INCOMING:
            raise FileTransferError(f"no incoming file request '{key}'")
        return request

    def accept(self, key: Any) -> FileRequest:
        request = self._incoming(key)
        if request.status != WAITING:
            raise FileTransferError(f"file request {request.request_id} is not waiting for an answer")
        limit = self.max_receive()
        if request.size_known and request.file_size > limit:
            raise FileTransferError(
                f"the file has {request.file_size} bytes; httpServerMaxPostFileSizeInBytes allows {limit}"
            )
        request.status = TRANSFERRING
        self.book.save(request)
        self.events.publish("incomingFileRequestAccepted", request.answered_event())
        self.events.publish(
            "fileAccepted", {"id": request.legacy_id, "fileRequestId": request.request_id, "confId": request.conf_id}
        )
        self.notices.status(request)
        self._answer(request, "accepted")
        self._run(request, self._receive(request, limit))
        return request

    async def reject(self, key: Any) -> FileRequest:
        """Decline a waiting request, or stop one that is downloading (its bytes are dropped)."""
        request = self._incoming(key)
        if request.status == TRANSFERRING:
            task = self._tasks.get(request.request_id)
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            if request.status != TRANSFERRING:  # it ended while being stopped
                raise FileTransferError(f"file request {request.request_id} has already ended")
            outcome = "cancelled"
        elif request.status == WAITING:
            outcome = "rejected"
        else:
            raise FileTransferError(f"file request {request.request_id} has already ended")
        self.notices.finish(request, outcome)
        self.events.publish("incomingFileRequestRejected", request.answered_event())
        self.events.publish(
            "fileRejected", {"id": request.legacy_id, "fileRequestId": request.request_id, "confId": request.conf_id}
        )
        self._answer(request, "rejected")
        return request

    async def _receive(self, request: FileRequest, limit: int) -> None:
        file_id, temp = self.files.new_upload()
        if request.size_known:
            limit = min(limit, request.file_size)
        try:
            size, digest = await download(
                self._client(), request.url, temp, limit, self.notices.progress_cb(request, self.clock())
            )
            if request.size_known and size != request.file_size:
                raise TransferError(f"received {size} bytes; the offer said {request.file_size}")
            if request.sha256 and digest != request.sha256:
                raise TransferError("the received file's sha-256 differs from the offer's: the file is dropped")
            mime = mimetypes.guess_type(request.file_name)[0] or "application/octet-stream"
            record = self.files.commit(file_id, temp, request.file_name, size, mime)
        except TransferError as exc:
            self.files.abort(temp)
            self.notices.fail(request, exc.error)
            self._answer(request, "failed", exc.error)
            return
        except OSError as exc:
            self.files.abort(temp)
            self.notices.fail(request, f"the file could not be written: {exc}")
            self._answer(request, "failed", "the receiver could not store the file")
            return
        except BaseException:
            self.files.abort(temp)
            raise
        request.file_id = record.id
        request.file_size = size
        request.processed = size
        self.notices.progress(request)
        self.notices.finish(request, "received")
        self._answer(request, "received")

    # --- answers between the two sides ---------------------------------------------------
    def _answer(self, request: FileRequest, action: str, reason: str = "") -> None:
        session = self.net.session
        if not request.meetroom or not request.offer_id or session is None or not self.net.logged_in:
            return
        self._answer_to(session, request.peer_full, request.offer_id, action, reason)

    def _answer_to(self, session: XmppSession, to: str, offer_id: str, action: str, reason: str) -> None:
        log.info("file offer %s from %s: %s", offer_id, to, action)
        msg = session.client.make_message(mto=to, mtype="headline")
        msg.append(fileoffer.answer_element(offer_id, action, reason))
        for hint in ("no-store", "no-copy"):
            msg.append(ET.Element(f"{{{NS_HINTS}}}{hint}"))
        session.send(msg)

    def _outgoing_from(self, sender: str, offer_id: str) -> FileRequest | None:
        request = self.book.get(offer_id)
        if request is None or request.direction != OUTGOING or request.peer_id != JID(sender).bare.lower():
            return None
        return request

    def _on_answer(self, session: XmppSession, msg: Any) -> None:
        if not self._current(session) or msg["type"] == "error":
            return
        answer = fileoffer.read_answer(msg.xml)
        request = self._outgoing_from(str(msg["from"]), answer.offer_id) if answer else None
        if answer is None or request is None:
            return
        waiter = self._waiters.get(OFFER_PREFIX + request.request_id)
        if answer.action == "refused":
            text = f"the receiver refused the offer: {answer.reason or 'no reason given'}"
            if waiter is not None and not waiter.done():
                waiter.set_result(text)
            elif request.status != FAILED:
                self.notices.fail(request, text)
            return
        if waiter is not None and not waiter.done():
            waiter.set_result("")
        fields = {"id": request.legacy_id, "fileRequestId": request.request_id, "confId": request.conf_id}
        if answer.action == "accepted":
            self.events.publish("fileAccepted", {**fields, "directionType": OUTGOING})
        elif answer.action == "rejected":
            self.events.publish("fileRejected", {**fields, "directionType": OUTGOING})

    def _on_receipt(self, session: XmppSession, msg: Any) -> None:
        msg_id = fileoffer.receipt_for(msg.xml)
        waiter = self._waiters.get(msg_id)
        request = self._outgoing_from(str(msg["from"]), msg_id[len(OFFER_PREFIX) :])
        if self._current(session) and request is not None and waiter is not None and not waiter.done():
            waiter.set_result("")

    def _on_bounce(self, session: XmppSession, msg: Any) -> None:
        msg_id = msg["id"] or ""
        if msg["type"] != "error" or not msg_id.startswith(OFFER_PREFIX) or not self._current(session):
            return
        if self._outgoing_from(str(msg["from"]), msg_id[len(OFFER_PREFIX) :]) is None:
            return  # only the receiver's server bounces an offer to it
        condition = msg["error"]["condition"] or "undefined-condition"
        text = f"the receiver cannot be reached ({condition}): it is offline or unknown"
        waiter = self._waiters.get(msg_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(text)
            return
        request = self.book.get(msg_id[len(OFFER_PREFIX) :])
        if request is not None and request.status != FAILED:
            self.notices.fail(request, text)

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
