"""Receiving a file: an offer becomes a waiting request; on accept it is downloaded and checked.

The room fetches only URLs of its own server's upload service (learned from a slot it asks for
itself) and only from accounts of its own server. The download goes to a temporary name in the
files directory; size and sha-256 are checked before it becomes one of the room's files.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from slixmpp.jid import JID

from meetroom.net import fileoffer
from meetroom.net.filekit import FileTransferError, TransferKit, now_ms
from meetroom.net.filerequests import INCOMING, TRANSFERRING, WAITING, FileRequest
from meetroom.net.httpupload import TransferError, download, head_size, request_slot
from meetroom.net.xmpp import NS_HINTS, XmppSession

log = logging.getLogger(__name__)

MAX_WAITING = 100  # offers waiting for an answer; past it new ones are refused (a stranger's flood)
WAITING_TTL_MS = 24 * 3600 * 1000  # an offer unanswered for this long expires


class FileReceiving:
    def __init__(self, kit: TransferKit, max_receive: Callable[[], int]) -> None:
        """`max_receive` is the largest file the room takes (httpServerMaxPostFileSizeInBytes)."""
        self.kit = kit
        self.max_receive = max_receive
        self.probe: tuple[XmppSession, str] | None = None  # (session, a slot URL of its upload service)
        self._probe_lock = asyncio.Lock()
        # a conference occupant's JID → (confId, the poster's account), given by the conference service
        self.conference_sender: Callable[[str], tuple[str, str] | None] = lambda occupant: None

    # --- offers in -------------------------------------------------------------------------
    def on_offer(self, session: XmppSession, msg: Any) -> None:
        if not self.kit.current(session) or msg["type"] == "error":
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
        self.kit.spawn(self._take_offer(session, sender, offer))

    def _on_conference_offer(self, session: XmppSession, occupant: str, offer: fileoffer.Offer) -> None:
        """A file posted in a conference's chat: taken when the conference service knows the
        poster's account (no receipts or answers in a conference)."""
        found = self.conference_sender(occupant)
        if found is None:
            return
        conf_id, account = found
        if account.lower() == self.kit.net.account_id:
            return  # this room's own post, reflected by the conference
        self.kit.spawn(self._take_offer(session, JID(account), offer, conf_id))

    async def _service_url(self, session: XmppSession) -> str:
        """A slot URL of this room's own server's upload service: what offers are checked against."""
        async with self._probe_lock:
            if self.probe is not None and self.probe[0] is session:
                return self.probe[1]
            service = await self.kit.upload_service()
            url = ""
            if service is not None:
                try:
                    url = (await request_slot(session, service, "probe", 1, "application/octet-stream")).get_url
                except TransferError as exc:
                    log.warning("cannot learn the upload service's address: %s", exc)
            self.probe = (session, url)
            return url

    async def _take_offer(self, session: XmppSession, sender: JID, offer: fileoffer.Offer, conf_id: str = "") -> None:
        try:
            await self.check_offer(session, sender, offer, conf_id)
        except Exception:  # one odd offer must not go unnoticed, nor disturb the others
            log.exception("handling a file offer from %s failed", sender)

    async def check_offer(self, session: XmppSession, sender: JID, offer: fileoffer.Offer, conf_id: str = "") -> None:
        """An offer that passes every rule becomes a waiting request (receivedFileRequest)."""
        book = self.kit.book
        bare = sender.bare.lower()
        answers = offer.meetroom and bool(offer.offer_id) and not conf_id
        self._expire_waiting()
        waiting = sum(1 for r in book.all(INCOMING) if r.status == WAITING)
        if waiting >= MAX_WAITING:
            log.warning("refused a file offer from %s: %d requests are waiting already", sender, waiting)
            if answers:
                self._answer_to(session, str(sender), offer.offer_id, "refused", "too many offers wait for an answer")
            return
        if book.find_offer(bare, offer.offer_id, offer.url) is not None:
            return  # the same offer again (a second copy): one request
        reason = fileoffer.refusal(offer.url, await self._service_url(session))
        if not reason and sender.domain.lower() != session.client.boundjid.domain.lower():
            reason = "offers are taken only from accounts of this room's server"
        if reason:
            log.warning("refused a file offer from %s: %s", sender, reason)
            if answers and self.kit.current(session):
                self._answer_to(session, str(sender), offer.offer_id, "refused", reason)
            return
        size = offer.size
        if size is None:
            size = await head_size(self.kit.client(), offer.url)
        if book.find_offer(bare, offer.offer_id, offer.url) is not None:
            return
        request = FileRequest(
            request_id=str(uuid.uuid4()),
            legacy_id=book.next_legacy_id(),
            direction=INCOMING,
            status=WAITING,
            file_name=offer.name,
            file_size=size or 0,
            peer_id=bare,
            peer_dn=self.kit.net.peer_dn(bare),
            timestamp=now_ms(),
            url=offer.url,
            sha256=offer.sha256,
            peer_full=str(sender),
            offer_id=offer.offer_id,
            conf_id=conf_id,
            size_known=size is not None,
            meetroom=answers,
        )
        book.add(request)
        self.kit.events.publish("receivedFileRequest", request.request_event())
        self.kit.notices.status(request)

    def _expire_waiting(self) -> None:
        """Offers left unanswered for a day are failed, so they stop counting against MAX_WAITING."""
        oldest = now_ms() - WAITING_TTL_MS
        for request in self.kit.book.all(INCOMING):
            if request.status == WAITING and request.timestamp < oldest:
                self.kit.notices.fail(request, "the offer expired unanswered")

    # --- the room's answer --------------------------------------------------------------------
    def _incoming(self, key: Any) -> FileRequest:
        request = self.kit.book.get(key)
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
        self.kit.book.save(request)
        self.kit.events.publish("incomingFileRequestAccepted", request.answered_event())
        self.kit.events.publish(
            "fileAccepted", {"id": request.legacy_id, "fileRequestId": request.request_id, "confId": request.conf_id}
        )
        self.kit.notices.status(request)
        self._answer(request, "accepted")
        self.kit.run(request, self._receive(request, limit))
        return request

    async def reject(self, key: Any) -> FileRequest:
        """Decline a waiting request, or stop one that is downloading (its bytes are dropped)."""
        request = self._incoming(key)
        if request.status == TRANSFERRING:
            task = self.kit.tasks.get(request.request_id)
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
        self.kit.notices.finish(request, outcome)
        self.kit.events.publish("incomingFileRequestRejected", request.answered_event())
        self.kit.events.publish(
            "fileRejected", {"id": request.legacy_id, "fileRequestId": request.request_id, "confId": request.conf_id}
        )
        self._answer(request, "rejected")
        return request

    async def _receive(self, request: FileRequest, limit: int) -> None:
        files, notices = self.kit.files, self.kit.notices
        file_id, temp = files.new_upload()
        if request.size_known:
            limit = min(limit, request.file_size)
        try:
            size, digest = await download(
                self.kit.client(), request.url, temp, limit, notices.progress_cb(request, self.kit.clock())
            )
            if request.size_known and size != request.file_size:
                raise TransferError(f"received {size} bytes; the offer said {request.file_size}")
            if request.sha256 and digest != request.sha256:
                raise TransferError("the received file's sha-256 differs from the offer's: the file is dropped")
            mime = mimetypes.guess_type(request.file_name)[0] or "application/octet-stream"
            record = files.commit(file_id, temp, request.file_name, size, mime)
        except TransferError as exc:
            files.abort(temp)
            notices.fail(request, exc.error)
            self._answer(request, "failed", exc.error)
            return
        except OSError as exc:
            files.abort(temp)
            notices.fail(request, f"the file could not be written: {exc}")
            self._answer(request, "failed", "the receiver could not store the file")
            return
        except BaseException:
            files.abort(temp)
            raise
        request.file_id = record.id
        request.file_size = size
        request.processed = size
        notices.progress(request)
        notices.finish(request, "received")
        self._answer(request, "received")

    # --- telling the sender -----------------------------------------------------------------
    def _answer(self, request: FileRequest, action: str, reason: str = "") -> None:
        net = self.kit.net
        session = net.session
        if not request.meetroom or not request.offer_id or session is None or not net.logged_in:
            return
        self._answer_to(session, request.peer_full, request.offer_id, action, reason)

    @staticmethod
    def _answer_to(session: XmppSession, to: str, offer_id: str, action: str, reason: str) -> None:
        log.info("file offer %s from %s: %s", offer_id, to, action)
        msg = session.client.make_message(mto=to, mtype="headline")
        msg.append(fileoffer.answer_element(offer_id, action, reason))
        for hint in ("no-store", "no-copy"):
            msg.append(ET.Element(f"{{{NS_HINTS}}}{hint}"))
        session.send(msg)
