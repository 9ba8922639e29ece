"""File offers and requests without a network: the stanza rules, the URL rule, the kept state."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

from meetroom.net import fileoffer
from meetroom.net.filerequests import (
    DONE,
    FAILED,
    INCOMING,
    OUTGOING,
    TRANSFERRING,
    FileRequest,
    ProgressGate,
    RequestBook,
)
from meetroom.store.db import Store
from tests.support.schema import SchemaRecorder

SLOT = "http://127.0.0.1:5280/file_share/AbC123/probe"


def _message(*children: ET.Element) -> ET.Element:
    msg = ET.Element("{jabber:client}message")
    msg.extend(children)
    return msg


def test_an_offer_reads_back_as_it_was_written():
    digest = hashlib.sha256(b"hello").hexdigest()
    sent = fileoffer.Offer("http://127.0.0.1:5280/file_share/x/a.pdf", "a.pdf", 5, digest, "req-1", True)
    got = fileoffer.read_offer(_message(*fileoffer.offer_elements(sent)))
    assert got == sent
    assert fileoffer.wants_receipt(_message(*fileoffer.offer_elements(sent)))


def test_a_plain_link_is_an_offer_without_size_or_hash():
    oob = ET.Element(f"{{{fileoffer.NS_OOB}}}x")
    ET.SubElement(oob, f"{{{fileoffer.NS_OOB}}}url").text = "http://127.0.0.1:5280/file_share/x/r%C3%A9sum%C3%A9.txt"
    got = fileoffer.read_offer(_message(oob))
    assert got is not None and got.size is None and got.sha256 == "" and not got.meetroom
    assert got.name == "résumé.txt"


def test_hostile_names_and_broken_offers():
    for hostile in ("../../etc/passwd", "..\\..\\boot.ini", "/abs/path/x.bin", "a\x00b\x07.txt"):
        sent = fileoffer.Offer("http://127.0.0.1:1/file_share/s/f", hostile, 1, "", "r", True)
        got = fileoffer.read_offer(_message(*fileoffer.offer_elements(sent)))
        assert got is not None and "/" not in got.name and "\\" not in got.name and got.name.isprintable()
    bad_size = fileoffer.offer_elements(fileoffer.Offer("http://h/file_share/s/f", "f", 1, "", "r", True))
    bad_size[0].set("size", "-5")
    assert fileoffer.read_offer(_message(*bad_size)) is None
    bad_hash = fileoffer.offer_elements(fileoffer.Offer("http://h/file_share/s/f", "f", 1, "ab" * 32, "r", True))
    bad_hash[0][0].text = "not base64!"
    assert fileoffer.read_offer(_message(*bad_hash)) is None
    assert fileoffer.read_offer(_message()) is None


def test_only_urls_of_the_own_upload_service_are_fetched():
    assert fileoffer.refusal("http://127.0.0.1:5280/file_share/Zz9/report.pdf", SLOT) == ""
    for foreign in (
        "http://127.0.0.1:8080/file_share/Zz9/report.pdf",  # another port
        "http://10.0.0.1:5280/file_share/Zz9/report.pdf",  # another host
        "https://127.0.0.1:5280/file_share/Zz9/report.pdf",  # another scheme
        "http://127.0.0.1:5280/admin/secret",  # outside the service's path
        "http://user:pw@127.0.0.1:5280/file_share/Zz9/x",  # credentials
        "file:///etc/passwd",
        "http://127.0.0.1:5280/file_share/../x",
        "not a url",
    ):
        assert fileoffer.refusal(foreign, SLOT), foreign
    assert fileoffer.refusal("http://127.0.0.1:5280/file_share/Zz9/r.pdf", "")  # no service known: refuse


def test_answers_and_receipts():
    msg = _message(fileoffer.answer_element("req-9", "rejected", "no thanks"))
    assert fileoffer.read_answer(msg) == fileoffer.Answer("req-9", "rejected", "no thanks")
    assert fileoffer.read_answer(_message(fileoffer.answer_element("req-9", "explode"))) is None
    assert fileoffer.receipt_for(_message(fileoffer.receipt_element("mf-1"))) == "mf-1"


def test_progress_is_announced_at_most_four_times_a_second():
    now = [0.0]
    gate = ProgressGate(lambda: now[0])
    announced = 0
    for _ in range(1000):  # 1000 chunks over 2.5 s
        now[0] += 0.0025
        announced += gate.due()
    assert 9 <= announced <= 11


def _request(**kw) -> FileRequest:
    base = dict(
        request_id="r1",
        legacy_id=1,
        direction=INCOMING,
        status=TRANSFERRING,
        file_name="a.bin",
        file_size=10,
        peer_id="p@localhost",
        peer_dn="p",
        timestamp=1,
    )
    return FileRequest(**{**base, **kw})


def test_a_restart_fails_what_was_transferring_and_keeps_the_rest(tmp_path):
    store = Store(tmp_path / "db.sqlite3")
    book = RequestBook(store)
    book.add(_request())
    book.add(_request(request_id="r2", legacy_id=2, status=DONE, outcome="received", file_id=7))
    again = RequestBook(store)
    cut = again.load()
    assert [r.request_id for r in cut] == ["r1"]
    assert again.get("r1").status == FAILED and again.get("r1").error
    assert again.get(2).status == DONE and again.get("2") is again.get(2)
    assert again.next_legacy_id() == 3
    assert [r.request_id for r in again.all()] == ["r1", "r2"]


def test_every_view_carries_the_fields_the_spec_lists():
    schema = SchemaRecorder()
    for request in (_request(), _request(direction=OUTGOING, file_id=3), _request(status=DONE, file_id=4)):
        for event, fields in (
            ("fileRequestStatusChanged", request.status_event()),
            ("receivedFileRequest", request.request_event()),
            ("incomingFileRequestAccepted", request.answered_event()),
            ("incomingFileRequestRejected", request.answered_event()),
            ("incomingFileRequestDownloadingProgress", request.progress_event()),
            ("fileDownloadingProgress", request.legacy_progress_event()),
            ("fileUploadingProgress", request.legacy_progress_event()),
            ("fileStatus", request.legacy_status_event()),
            ("fileDeletedFromFileTransferHistory", {**request.history_entry(), "removedFromDisk": False}),
        ):
            schema({"method": "event", "event": event, **fields})
        if request.direction == OUTGOING:
            schema({"method": "event", "event": "outgoingFileRequestUploadingProgress", **request.progress_event()})
        schema({"method": "getFileRequestInfo", "requestId": "", "result": True, **request.info()})
        schema({"method": "getFileInfo", "requestId": "", "result": True, **request.legacy_info()})
    assert schema.problems == []


def test_the_dev_servers_upload_service_follows_its_limit(tmp_path):
    from meetroom.devserver.config import DevServerConfig, render

    default = render(DevServerConfig(tmp_path))
    assert "http_file_share_size_limit = 104857600" in default
    assert "network_default_read_size = 262144" in default  # uploads at loopback speed
    assert 'http_interfaces = { "127.0.0.1" }' in default  # the upload service listens on loopback only
    assert 'http_external_url = "http://127.0.0.1:5280/"' in default  # and hands out loopback URLs
    assert "http_file_share_size_limit = 5000" in render(DevServerConfig(tmp_path, upload_limit=5000))
    assert "http_file_share" not in render(DevServerConfig(tmp_path, upload_limit=0))
