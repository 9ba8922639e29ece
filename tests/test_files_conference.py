"""A file sent to a group conference: every other participant's room is offered it and can take it."""

from __future__ import annotations

import hashlib

from tests.support.calls import start_rooms
from tests.support.files import file_sha256, put_file, random_bytes, wait_available, wait_status
from tests.support.prosody import new_account, prosody  # noqa: F401
from tests.test_conference_e2e import _conference


async def test_a_file_sent_to_the_conference_reaches_both_other_rooms(prosody, room_factory, connect):  # noqa: F811
    a, b, c = await start_rooms(prosody, room_factory, connect, count=3)
    for room in (a, b, c):
        await wait_available(room.client)
    conf_id, _, _ = await _conference(a, b, c)
    data = random_bytes(512 * 1024 + 3)
    file_id = await put_file(a, data, "agenda.pdf")

    reply = await a.client.call("sendFileToConference", fileId=file_id)
    assert reply["result"] is True, reply
    sent = await a.client.wait_event("outgoingFileRequestSentToConference", timeout=10)
    assert sent["confId"] == conf_id
    for room in (b, c):
        incoming = await room.client.wait_event(
            "receivedFileRequest", lambda e: e["fileName"] == "agenda.pdf", timeout=20
        )
        assert incoming["fileSize"] == len(data) and incoming["peerId"].startswith(a.name)
        assert (await room.client.call("acceptIncomingFileRequest", fileRequestId=incoming["fileRequestId"]))["result"]
        done = await wait_status(room.client, incoming["fileRequestId"], 3)
        assert await file_sha256(room, done["fileId"]) == hashlib.sha256(data).hexdigest()

    # the sender is not offered its own post back, and outside a conference the command refuses
    assert a.client.pending_events("receivedFileRequest") == []
    assert (await a.client.call("hangUp", forAll=True))["result"] is True
    await a.client.wait_event("conferenceDeleted", timeout=10)
    refused = await a.client.call("sendConferenceFile", fileId=file_id)
    assert refused["result"] is False and "conference" in refused["error"]
