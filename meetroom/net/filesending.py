"""Sending a file: upload it to the server's HTTP upload service, then offer the link.

The offer goes to a peer as a chat message (with a receipt request; the receiver answers in
meetroom's element, or its server bounces it) or to a conference's chat as a groupchat post.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from slixmpp.jid import JID

from meetroom.net import fileoffer
from meetroom.net.filekit import FileTransferError, TransferKit, now_ms
from meetroom.net.filerequests import FAILED, OUTGOING, TRANSFERRING, FileRequest
from meetroom.net.httpupload import TransferError, UploadService, request_slot, upload
from meetroom.net.xmpp import XmppSession
from meetroom.store.files import FileRecord

DELIVERY_WAIT = 10.0  # seconds an offer waits for a receipt or a bounce before it counts as sent
OFFER_PREFIX = "mf-"

Deliver = Callable[[XmppSession, FileRequest], Awaitable[str]]


class FileSending:
    def __init__(self, kit: TransferKit) -> None:
        self.kit = kit
        self._waiters: dict[str, asyncio.Future[str]] = {}  # offer message id -> the receiver's word

    async def _sendable(self, file_id: int) -> tuple[FileRecord, Path, UploadService]:
        """The file, its path and the upload service, or the reason it cannot be sent."""
        record = self.kit.files.get(file_id)
        path = self.kit.files.path(file_id)
        if record is None or not path.is_file():
            raise FileTransferError(f"no uploaded file with id {file_id}")
        service = await self.kit.upload_service()
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
            legacy_id=self.kit.book.next_legacy_id(),
            direction=OUTGOING,
            status=TRANSFERRING,
            file_name=record.name,
            file_size=record.size,
            peer_id=peer_id,
            peer_dn=peer_dn,
            timestamp=now_ms(),
            file_id=record.id,
            conf_id=conf_id,
        )
        self.kit.book.add(request)
        return request

    async def send(self, peer: str, file_id: int) -> FileRequest:
        """sendFile: checks now, the transfer in the background; the request as created."""
        net = self.kit.net
        session = net.require_session()
        bare = net.to_call_id(peer)
        if bare == net.account_id:
            raise FileTransferError("a file cannot be sent to this room's own account")
        record, path, service = await self._sendable(file_id)
        if self._known_offline(bare):
            raise FileTransferError(f"{bare} is offline: the file cannot be offered now")
        request = self._new_outgoing(record, peer_id=bare, peer_dn=net.peer_dn(bare))
        self.kit.events.publish(
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
        self.kit.notices.status(request)
        self.kit.run(request, self._send(session, service, request, path, record.mime, self._offer))
        return request

    async def send_to_conference(self, file_id: int, conf_id: str, room_jid: str) -> FileRequest:
        """sendFileToConference: the file posted to a group conference's chat (its MUC room)."""
        session = self.kit.net.require_session()
        record, path, service = await self._sendable(file_id)
        request = self._new_outgoing(record, conf_id=conf_id)
        self.kit.events.publish(
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
        self.kit.notices.status(request)

        async def post(session: XmppSession, request: FileRequest) -> str:
            self._post_to_conference(session, request, room_jid)
            return ""

        self.kit.run(request, self._send(session, service, request, path, record.mime, post))
        return request

    def _known_offline(self, bare: str) -> bool:
        """A contact whose presence the room receives and that has no resource online."""
        contact = self.kit.net.contacts.get(bare)
        if contact is None or contact.subscription not in ("to", "both"):
            return False
        seen = self.kit.net.presence.get(bare)
        return not (seen.resources if seen is not None else {})

    async def _send(
        self,
        session: XmppSession,
        service: UploadService,
        request: FileRequest,
        path: Path,
        mime: str,
        deliver: Deliver,
    ) -> None:
        """Upload, then `deliver` the offer (it returns why the receiver cannot get it, or empty)."""
        notices = self.kit.notices
        try:
            slot = await request_slot(session, service, request.file_name, request.file_size, mime)
            started = self.kit.clock()
            request.sha256 = await upload(
                self.kit.client(), slot, path, request.file_size, mime, notices.progress_cb(request, started)
            )
            request.url = slot.get_url
            request.processed = request.file_size
            notices.progress(request)
            bounce = await deliver(session, request)
        except TransferError as exc:
            notices.fail(request, exc.error)
            return
        except OSError as exc:
            notices.fail(request, f"the file could not be read: {exc}")
            return
        if bounce:
            notices.fail(request, bounce)
            return
        notices.finish(request, "sent")
        if request.conf_id:
            fields = {"name": request.file_name, "id": request.legacy_id, "fileId": request.file_id}
            self.kit.events.publish("fileConferenceSent", {**fields, "confId": request.conf_id})
            return
        self.kit.events.publish(
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
        msg_id = OFFER_PREFIX + request.request_id
        waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiters[msg_id] = waiter
        msg = session.client.make_message(mto=request.peer_id, mbody=request.url, mtype="chat")
        msg["id"] = msg_id
        for element in fileoffer.offer_elements(_offer_of(request)):
            msg.append(element)
        try:
            session.send(msg)
            return await asyncio.wait_for(asyncio.shield(waiter), DELIVERY_WAIT)
        except TimeoutError:
            return ""  # no receipt (some clients send none) and no bounce: delivered as far as known
        finally:
            self._waiters.pop(msg_id, None)

    @staticmethod
    def _post_to_conference(session: XmppSession, request: FileRequest, room_jid: str) -> None:
        """The offer as a groupchat message (no receipts in a conference: posted is sent)."""
        msg = session.client.make_message(mto=room_jid, mbody=request.url, mtype="groupchat")
        for element in fileoffer.offer_elements(_offer_of(request), receipt=False):
            msg.append(element)
        session.send(msg)

    # --- what the receiver (or its server) says -------------------------------------------
    def _outgoing_from(self, sender: str, offer_id: str) -> FileRequest | None:
        request = self.kit.book.get(offer_id)
        if request is None or request.direction != OUTGOING or request.peer_id != JID(sender).bare.lower():
            return None
        return request

    def on_answer(self, session: XmppSession, msg: Any) -> None:
        if not self.kit.current(session) or msg["type"] == "error":
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
                self.kit.notices.fail(request, text)
            return
        if waiter is not None and not waiter.done():
            waiter.set_result("")
        fields = {"id": request.legacy_id, "fileRequestId": request.request_id, "confId": request.conf_id}
        if answer.action == "accepted":
            self.kit.events.publish("fileAccepted", {**fields, "directionType": OUTGOING})
        elif answer.action == "rejected":
            self.kit.events.publish("fileRejected", {**fields, "directionType": OUTGOING})

    def on_receipt(self, session: XmppSession, msg: Any) -> None:
        msg_id = fileoffer.receipt_for(msg.xml)
        waiter = self._waiters.get(msg_id)
        request = self._outgoing_from(str(msg["from"]), msg_id[len(OFFER_PREFIX) :])
        if self.kit.current(session) and request is not None and waiter is not None and not waiter.done():
            waiter.set_result("")

    def on_bounce(self, session: XmppSession, msg: Any) -> None:
        msg_id = msg["id"] or ""
        if msg["type"] != "error" or not msg_id.startswith(OFFER_PREFIX) or not self.kit.current(session):
            return
        if self._outgoing_from(str(msg["from"]), msg_id[len(OFFER_PREFIX) :]) is None:
            return  # only the receiver's server bounces an offer to it
        condition = msg["error"]["condition"] or "undefined-condition"
        text = f"the receiver cannot be reached ({condition}): it is offline or unknown"
        waiter = self._waiters.get(msg_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(text)
            return
        request = self.kit.book.get(msg_id[len(OFFER_PREFIX) :])
        if request is not None and request.status != FAILED:
            self.kit.notices.fail(request, text)


def _offer_of(request: FileRequest) -> fileoffer.Offer:
    return fileoffer.Offer(request.url, request.file_name, request.file_size, request.sha256, request.request_id, True)
