"""The file-transfer service in-process: who may bounce, answer or flood a room's requests.

A stand-in session (a slixmpp client that never connects) records what the room sends; stanzas
are fed to the service's handlers as the session would route them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from slixmpp import JID, ClientXMPP, Message
from slixmpp.xmlstream import ET

from meetroom.api.catalog import missing_fields
from meetroom.api.envelope import notification
from meetroom.core.appstate import AppStateMachine
from meetroom.core.settings import Settings
from meetroom.net import fileoffer
from meetroom.net.filerequests import DONE, FAILED, INCOMING, OUTGOING, WAITING, FileRequest
from meetroom.net.filetransfer import MAX_WAITING, FileTransfers
from meetroom.net.service import NetworkService
from meetroom.store.db import Store
from meetroom.store.files import FileStore

PEER = "bob@localhost"


class Events:
    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def publish(self, event: str, fields: dict[str, Any] | None = None, *, admin_only: bool = False) -> None:
        assert missing_fields(notification(event, dict(fields or {}))) == [], event
        self.seen.append((event, dict(fields or {})))

    def names(self) -> list[str]:
        return [name for name, _ in self.seen]


class FakeSession:
    def __init__(self) -> None:
        self.client = ClientXMPP("room@localhost/meetroom-1", "pw")
        self.full_jid = "room@localhost/meetroom-1"
        self.sent: list[Any] = []

    def send(self, stanza: Any) -> None:
        self.sent.append(stanza)

    def add_handler(self, *args: Any) -> None:
        pass

    async def stop(self) -> None:
        pass


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[tuple[FileTransfers, FakeSession, Events]]:
    store = Store(tmp_path / "db.sqlite3")
    events = Events()
    appstate = AppStateMachine(lambda: 0)
    net = NetworkService(Settings(store), store, appstate, events, tmp_path / "net.key")
    transfers = FileTransfers(net, FileStore(store, tmp_path / "files"), store, appstate, events, lambda: 10**9, bool)
    session = FakeSession()
    net.session = session  # type: ignore[assignment]  # the handlers only serve the current session
    yield transfers, session, events
    await transfers.close()
    await net.close()
    store.close()


def _outgoing(transfers: FileTransfers) -> FileRequest:
    request = FileRequest("req-1", 1, OUTGOING, DONE, "a.bin", 10, PEER, "bob", 1, file_id=5, outcome="sent")
    transfers.book.add(request)
    return request


def _stanza(sender: str, *children: ET.Element, mtype: str = "headline", msg_id: str = "") -> Message:
    msg = Message()
    msg["from"], msg["to"], msg["type"] = sender, "room@localhost/meetroom-1", mtype
    if msg_id:
        msg["id"] = msg_id
    for child in children:
        msg.append(child)
    return msg


async def test_only_the_receivers_server_can_bounce_an_offer(setup):
    transfers, session, _events = setup
    request = _outgoing(transfers)
    bounce = ET.Element("{jabber:client}error", {"type": "cancel"})
    ET.SubElement(bounce, "{urn:ietf:params:xml:ns:xmpp-stanzas}service-unavailable")
    transfers.sending.on_bounce(session, _stanza("mallory@localhost", bounce, mtype="error", msg_id="mf-req-1"))
    assert request.status == DONE
    transfers.sending.on_bounce(session, _stanza(PEER, bounce, mtype="error", msg_id="mf-req-1"))
    assert request.status == FAILED and "offline or unknown" in request.error


async def test_answers_count_only_from_the_receiver(setup):
    transfers, session, events = setup
    _outgoing(transfers)
    transfers.sending.on_answer(session, _stanza("mallory@localhost/x", fileoffer.answer_element("req-1", "rejected")))
    assert "fileRejected" not in events.names()
    transfers.sending.on_answer(session, _stanza(f"{PEER}/r", fileoffer.answer_element("req-1", "rejected")))
    assert events.names().count("fileRejected") == 1
    transfers.sending.on_answer(session, _stanza(f"{PEER}/r", fileoffer.answer_element("req-1", "refused", "no")))
    assert transfers.book.get("req-1").status == FAILED


async def test_a_flood_of_offers_stops_at_the_waiting_limit(setup):
    transfers, session, events = setup
    now = int(time.time() * 1000)
    for n in range(MAX_WAITING):
        transfers.book.add(FileRequest(f"w{n}", n + 1, INCOMING, WAITING, "f", 1, "x@localhost", "x", now, url=f"u{n}"))
    offer = fileoffer.Offer("http://127.0.0.1:1/file_share/s/f", "f", 1, "", "offer-9", True)
    await transfers.receiving.check_offer(session, JID("eve@localhost/e"), offer)
    assert "receivedFileRequest" not in events.names()
    assert len(transfers.book.all(INCOMING)) == MAX_WAITING
    answer = fileoffer.read_answer(session.sent[-1].xml)
    assert answer is not None and answer.action == "refused" and "too many" in answer.reason

    # offers unanswered for a day expire and make room again
    for request in transfers.book.all(INCOMING):
        request.timestamp = 0
    session.sent.clear()
    await transfers.receiving.check_offer(session, JID("eve@localhost/e"), offer)
    assert all(r.status == FAILED and "expired" in r.error for r in transfers.book.all(INCOMING)[:MAX_WAITING])
    answer = fileoffer.read_answer(session.sent[-1].xml)
    assert answer is not None and "too many" not in answer.reason  # past the limit: on to the URL check


async def test_a_file_is_never_sent_without_a_login(setup):
    transfers, _session, _events = setup
    transfers.net.session = None
    with pytest.raises(Exception, match="not logged in"):
        await transfers.send(PEER, 1)


async def test_a_file_posted_in_a_conference_becomes_a_request_of_that_conference(setup):
    transfers, session, events = setup
    transfers.receiving.probe = (session, "http://127.0.0.1:5280/file_share/AbC/probe")  # the server's upload service
    transfers.net.account_id = "room@localhost"
    occupants = {"meet@conference.localhost/Carol": ("meet@conference.localhost", "carol@localhost")}
    occupants["meet@conference.localhost/Me"] = ("meet@conference.localhost", "room@localhost")
    transfers.conference_sender = occupants.get
    offer = fileoffer.Offer("http://127.0.0.1:5280/file_share/Zz/plan.pdf", "plan.pdf", 42, "", "o-1", True)
    for occupant in ("meet@conference.localhost/Me", "meet@conference.localhost/Stranger"):
        msg = _stanza(occupant, *fileoffer.offer_elements(offer, receipt=False), mtype="groupchat")
        transfers.receiving.on_offer(session, msg)  # own post reflected; an occupant the conference does not know
    msg = _stanza("meet@conference.localhost/Carol", *fileoffer.offer_elements(offer, receipt=False), mtype="groupchat")
    transfers.receiving.on_offer(session, msg)
    for _ in range(20):
        await asyncio.sleep(0.01)
        if "receivedFileRequest" in events.names():
            break
    received = [fields for name, fields in events.seen if name == "receivedFileRequest"]
    assert len(received) == 1
    assert received[0]["peerId"] == "carol@localhost" and received[0]["confId"] == "meet@conference.localhost"
    assert session.sent == []  # no receipts or answers into a conference
