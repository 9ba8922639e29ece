"""Files between two rooms over the dev server: send/accept, reject, cancel, offline, restart."""

from __future__ import annotations

import hashlib
import time

from tests.support.calls import start_rooms, wait_state
from tests.support.files import file_sha256, offer, put_file, random_bytes, wait_available, wait_status
from tests.support.prosody import new_account, prosody  # noqa: F401


async def test_a_sent_file_arrives_whole_and_becomes_one_of_the_rooms_files(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    await wait_available(a.client)
    await wait_available(b.client)
    data = random_bytes(3 * 1024 * 1024 + 17)
    file_id = await put_file(a, data, "quarterly report.pdf")

    sent_id, incoming = await offer(a, b, file_id)
    assert incoming["fileName"] == "quarterly report.pdf" and incoming["fileSize"] == len(data)
    sent = await wait_status(a.client, sent_id, 3, 0)
    assert sent["status"] == 3 and sent["fileId"] == file_id, sent
    pending = (await b.client.call("getIncomingFilesRequests"))["incomingFilesRequests"]
    assert [(r["fileRequestId"], r["status"]) for r in pending] == [(incoming["fileRequestId"], 1)]

    started = time.monotonic()
    reply = await b.client.call("acceptIncomingFileRequest", fileRequestId=incoming["fileRequestId"])
    assert reply["result"] is True, reply
    await b.client.wait_event("incomingFileRequestAccepted", timeout=5)
    done = await wait_status(b.client, incoming["fileRequestId"], 3, 0)
    assert done["status"] == 3 and done["outcome"] == "received", done
    elapsed = time.monotonic() - started
    received_id = done["fileId"]
    assert await file_sha256(b, received_id) == hashlib.sha256(data).hexdigest()
    listed = (await b.client.call("getFileList"))["fileList"]
    assert {"fileId": received_id, "fileName": "quarterly report.pdf"} in listed

    progress = b.client.pending_events("incomingFileRequestDownloadingProgress")
    assert progress and progress[-1]["processedPercents"] == 100
    assert len(progress) <= 4 * elapsed + 2  # at most four a second, plus the final one
    accepted = await a.client.wait_event("fileAccepted", timeout=5)
    assert accepted["fileRequestId"] == sent_id

    history = (await b.client.call("getFileTransferHistory"))["filesRequests"]
    assert [(h["fileRequestId"], h["directionType"], h["fileId"]) for h in history] == [
        (incoming["fileRequestId"], 0, received_id)
    ]
    out_history = (await a.client.call("getFileTransferHistory"))["filesRequests"]
    assert [(h["fileRequestId"], h["directionType"]) for h in out_history] == [(sent_id, 1)]
    info = await a.client.call("getFileRequestInfo", fileRequestId=sent_id)
    assert info["result"] is True and info["status"] == 3 and info["peerId"] == b.call_id
    legacy = await b.client.call("getFileInfo", id=incoming["id"])
    assert legacy["result"] is True and legacy["processedSize"] == len(data)

    assert (await b.client.call("getListOfChats"))["list"] == []  # an offer is a file request, not chat
    # deleting the sent file takes its transfer out of the sender's history
    assert (await a.client.call("deleteFileTransferFile", fileId=file_id))["result"] is True
    deleted = await a.client.wait_event("fileDeletedFromFileTransferHistory", timeout=5)
    assert deleted["fileRequestId"] == sent_id and deleted["removedFromDisk"] is True
    assert (await a.client.call("getFileTransferHistory"))["filesRequests"] == []

    # clearing the history keeps the file
    assert (await b.client.call("clearFileTransferHistory"))["result"] is True
    gone = await b.client.wait_event("fileDeletedFromFileTransferHistory", timeout=5)
    assert gone["fileRequestId"] == incoming["fileRequestId"] and gone["removedFromDisk"] is False
    await b.client.wait_event("fileTransferHistoryCleared", timeout=5)
    assert (await b.client.call("getFileTransferHistory"))["filesRequests"] == []
    assert any(f["fileId"] == received_id for f in (await b.client.call("getFileList"))["fileList"])


async def test_rejected_and_cancelled_offers_leave_nothing(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    await wait_available(a.client)
    small = await put_file(a, random_bytes(1000), "small.txt")
    sent_id, incoming = await offer(a, b, small)
    reply = await b.client.call("rejectIncomingFileRequest", fileRequestId=incoming["fileRequestId"])
    assert reply["result"] is True, reply
    await b.client.wait_event("incomingFileRequestRejected", timeout=5)
    rejected = await a.client.wait_event("fileRejected", lambda e: e.get("fileRequestId") == sent_id, timeout=10)
    assert rejected["id"]
    again = await b.client.call("acceptIncomingFileRequest", fileRequestId=incoming["fileRequestId"])
    assert again["result"] is False and "not waiting" in again["error"]

    files_before = (await b.client.call("getFileList"))["fileList"]
    big = await put_file(a, random_bytes(24 * 1024 * 1024), "big.bin")
    _, incoming = await offer(a, b, big)
    # the older API by number: accept, then stop it at once
    assert (await b.client.call("acceptFile", id=incoming["id"]))["result"] is True
    stopped = await b.client.call("rejectFile", id=incoming["id"])
    assert stopped["result"] is True, stopped
    info = await b.client.call("getFileRequestInfo", fileRequestId=incoming["fileRequestId"])
    assert info["status"] == 3 and info["outcome"] == "cancelled" and info["fileId"] == 0
    assert (await b.client.call("getFileList"))["fileList"] == files_before
    assert list((b.proc.data_dir / "files").glob("*.part")) == []


async def test_refusals_offline_receiver_and_limits(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    await wait_available(a.client)
    file_id = await put_file(a, random_bytes(5000), "notes.txt")
    never_online, _ = new_account(prosody, "off")
    reply = await a.client.call("sendFile", fileId=file_id, peerId=f"{never_online}@localhost")
    assert reply["result"] is True, reply
    failed = await wait_status(a.client, reply["sentFileRequestId"], 0, 3)
    assert failed["status"] == 0 and "offline" in failed["error"], failed
    reply = await a.client.call("sendFile", fileId=file_id, callId="nosuchuser@localhost")
    failed = await wait_status(a.client, reply["sentFileRequestId"], 0, 3)
    assert failed["status"] == 0 and "unknown" in failed["error"], failed

    for params, words in (
        ({"fileId": 999999, "callId": b.call_id}, "no uploaded file"),
        ({"fileId": file_id, "callId": "not a valid id@"}, ""),
        ({"fileId": file_id}, "callId"),
        ({"fileId": file_id, "callId": a.call_id}, "own account"),
    ):
        refused = await a.client.call("sendFile", **params)
        assert refused["result"] is False and words in refused["error"], (params, refused)
    for method in ("sendFileToConference", "sendConferenceFile"):  # outside a group conference
        refused = await a.client.call(method, fileId=file_id)
        assert refused["result"] is False and "not in a group conference" in refused["error"], refused
    for method in ("acceptIncomingFileRequest", "rejectIncomingFileRequest", "getFileRequestInfo"):
        refused = await b.client.call(method, fileRequestId="no-such-request")
        assert refused["result"] is False and "no-such-request" in refused["error"]

    # the receiver's own limit (httpServerMaxPostFileSizeInBytes) refuses the accept, clearly
    assert (await b.client.call("setHttpServerSettings", settings={"httpServerMaxPostFileSizeInBytes": 4000}))["result"]
    _, incoming = await offer(a, b, file_id)
    refused = await b.client.call("acceptIncomingFileRequest", fileRequestId=incoming["fileRequestId"])
    assert refused["result"] is False and "httpServerMaxPostFileSizeInBytes" in refused["error"]

    # a room that is not logged in sends nothing
    lone = room_factory(name="lone")
    client = await connect(lone)
    lone_file = await put_file(type(a)(lone, client, "", ""), b"x" * 10, "x.txt")
    refused = await client.call("sendFile", fileId=lone_file, callId=b.call_id)
    assert refused["result"] is False and "not logged in" in refused["error"]
    assert (await client.call("getFileTransferAvailability"))["availability"] == 2


async def test_a_restart_mid_transfer_marks_it_failed_once(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    await wait_available(a.client)
    files_before = (await b.client.call("getFileList"))["fileList"]
    file_id = await put_file(a, random_bytes(32 * 1024 * 1024), "video.mp4")
    _, incoming = await offer(a, b, file_id)
    assert (await b.client.call("acceptIncomingFileRequest", fileRequestId=incoming["fileRequestId"]))["result"]
    b.proc.proc.kill()  # no clean stop: the process dies mid-download
    b.proc.proc.wait(10)
    b.proc.start()
    b.client = await connect(b.proc)
    await wait_state(b.client, 3, timeout=20)  # a restarted room logs in again by itself (enableAutologin)
    requests = (await b.client.call("getIncomingFilesRequests"))["incomingFilesRequests"]
    assert [(r["fileRequestId"], r["status"]) for r in requests] == [(incoming["fileRequestId"], 0)]
    assert "interrupted" in requests[0]["error"]
    assert (await b.client.call("getFileList"))["fileList"] == files_before
    assert list((b.proc.data_dir / "files").glob("*.part")) == []

    # the sender dies mid-upload: after its restart the request is failed, listed once
    reply = await a.client.call("sendFile", fileId=file_id, callId=b.call_id)
    assert reply["result"] is True, reply
    a.proc.proc.kill()
    a.proc.proc.wait(10)
    a.proc.start()
    a.client = await connect(a.proc)
    outgoing = (await a.client.call("getOutgoingFilesRequests"))["outgoingFilesRequests"]
    mine = [r for r in outgoing if r["fileRequestId"] == reply["sentFileRequestId"]]
    assert [r["status"] for r in mine] == [0] and "interrupted" in mine[0]["error"]


async def test_file_transfer_pin_and_tools_switch(room_factory, connect):
    room = room_factory(name="pin")
    client = await connect(room)
    pin = (await client.call("getFileTransferPIN"))["pin"]
    assert len(pin) == 6 and pin.isdigit()
    assert (await client.call("checkFileTransferPIN", pin=pin))["result"] is True
    wrong = await client.call("checkFileTransferPIN", pin="x" + pin)
    assert wrong["result"] is False and "does not match" in wrong["error"]
    new = (await client.call("resetFileTransferPIN"))["pin"]
    await client.wait_event("fileTransferPinChanged", timeout=5)
    assert (await client.call("getFileTransferPIN"))["pin"] == new
    assert (await client.call("getShowFileTransferTools"))["show"] is True
    assert (await client.call("setShowFileTransferTools", show=False))["result"] is True
    assert (await client.call("getShowFileTransferTools"))["show"] is False
    bad = await client.call("setShowFileTransferTools", show="no")
    assert bad["result"] is False and (await client.call("getShowFileTransferTools"))["show"] is False
