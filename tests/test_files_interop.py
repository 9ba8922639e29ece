"""Files with a third-party XMPP client (slixmpp's XEP-0363 / XEP-0066 plugins), and hostile offers."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from slixmpp import JID, ClientXMPP
from slixmpp.xmlstream import ET
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tests.support.calls import start_rooms
from tests.support.files import file_sha256, put_file, random_bytes, wait_available, wait_status
from tests.support.ports import free_port
from tests.support.prosody import ProsodyServer, new_account, prosody  # noqa: F401
from tests.support.trueconf_venv import ensure_venv, run_script

NS_FILE = "urn:meetroom:file:0"


@asynccontextmanager
async def xmpp_client(
    server: ProsodyServer, name: str, password: str
) -> AsyncIterator[tuple[ClientXMPP, asyncio.Queue]]:
    """A logged-in slixmpp client whose incoming messages land in a queue."""
    client = ClientXMPP(f"{name}@localhost/other", password)
    client.enable_starttls = client.enable_direct_tls = False
    client.enable_plaintext = True
    for plugin in ("xep_0030", "xep_0066", "xep_0184", "xep_0363"):
        client.register_plugin(plugin)
    client.plugin["feature_mechanisms"].unencrypted_plain = True
    messages: asyncio.Queue = asyncio.Queue()
    started = asyncio.Event()

    def session_start(_event: Any) -> None:
        client.send_presence()
        started.set()

    client.add_event_handler("session_start", session_start)
    # every message, also those without a body (slixmpp's "message" event needs one)
    client.register_handler(Callback("all-messages", MatchXPath("{jabber:client}message"), messages.put_nowait))
    client.connect(host="127.0.0.1", port=server.port)
    await asyncio.wait_for(started.wait(), 10)
    try:
        yield client, messages
    finally:
        await client.disconnect()


async def next_message(messages: asyncio.Queue, match: Any, timeout: float = 15.0) -> Any:
    async def wait() -> Any:
        while True:
            msg = await messages.get()
            if match(msg):
                return msg

    return await asyncio.wait_for(wait(), timeout)


async def third_party_upload(client: ClientXMPP, data: bytes, name: str) -> str:
    return await client.plugin["xep_0363"].upload_file(
        name, size=len(data), input_file=io.BytesIO(data), content_type="application/octet-stream", timeout=10
    )


async def test_a_third_party_client_receives_and_sends_files(prosody, room_factory, connect):  # noqa: F811
    (a,) = await start_rooms(prosody, room_factory, connect, 1)
    await wait_available(a.client)
    name, password = new_account(prosody, "x")
    async with xmpp_client(prosody, name, password) as (other, messages):
        # the room sends: the other client sees an ordinary out-of-band link and fetches it
        data = random_bytes(700_000)
        file_id = await put_file(a, data, "slides.pdf")
        reply = await a.client.call("sendFile", fileId=file_id, callId=f"{name}@localhost")
        assert reply["result"] is True, reply
        msg = await next_message(messages, lambda m: m["oob"]["url"])
        url = msg["oob"]["url"]
        assert msg["body"] == url and url.endswith("/slides.pdf")
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            assert hashlib.sha256(await resp.read()).hexdigest() == hashlib.sha256(data).hexdigest()
        sent = await wait_status(a.client, reply["sentFileRequestId"], 3, 0)
        assert sent["status"] == 3, sent

        # the other client sends: upload + a chat message with the URL, as Conversations does
        theirs = random_bytes(300_001)
        link = await third_party_upload(other, theirs, "photo.jpg")
        out = other.make_message(mto=a.call_id, mbody=link, mtype="chat")
        out["oob"]["url"] = link
        out.send()
        incoming = await a.client.wait_event("receivedFileRequest", timeout=15)
        assert incoming["peerId"] == f"{name}@localhost" and incoming["fileName"] == "photo.jpg"
        assert incoming["fileSize"] == len(theirs)
        assert (await a.client.call("acceptIncomingFileRequest", fileRequestId=incoming["fileRequestId"]))["result"]
        done = await wait_status(a.client, incoming["fileRequestId"], 3, 0)
        assert done["status"] == 3, done
        assert await file_sha256(a, done["fileId"]) == hashlib.sha256(theirs).hexdigest()

    # the older clearFileTransfer forgets the history and deletes the received file
    assert (await a.client.call("clearFileTransfer"))["result"] is True
    removed = await a.client.wait_event(
        "fileDeletedFromFileTransferHistory", lambda e: e["fileRequestId"] == incoming["fileRequestId"], timeout=5
    )
    assert removed["removedFromDisk"] is True
    await a.client.wait_event("fileTransferCleared", timeout=5)
    assert all(f["fileId"] != done["fileId"] for f in (await a.client.call("getFileList"))["fileList"])
    assert (await a.client.call("getFileTransferHistory"))["filesRequests"] == []


def meetroom_offer(client: ClientXMPP, to: str, url: str, name: str, data: bytes, offer_id: str) -> Any:
    """An offer in meetroom's own form, written by hand as another implementation would."""
    msg = client.make_message(mto=to, mbody=url, mtype="chat")
    offer = ET.Element(f"{{{NS_FILE}}}offer", {"id": offer_id, "name": name, "size": str(len(data))})
    digest = ET.SubElement(offer, "{urn:xmpp:hashes:2}hash", {"algo": "sha-256"})
    digest.text = base64.b64encode(hashlib.sha256(data).digest()).decode()
    msg.append(offer)
    msg["oob"]["url"] = url
    return msg


async def test_offers_pointing_elsewhere_are_refused_and_hostile_names_stay_inside(prosody, room_factory, connect):  # noqa: F811
    (b,) = await start_rooms(prosody, room_factory, connect, 1)
    await wait_available(b.client)
    hits: list[str] = []

    async def bait(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(body=b"x" * 10)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", bait)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    name, password = new_account(prosody, "h")
    try:
        async with xmpp_client(prosody, name, password) as (other, messages):
            for url in (
                f"http://127.0.0.1:{port}/file_share/abc/x.bin",  # the same path on another port
                f"http://127.0.0.1:{prosody.http_port}/admin/x.bin",  # the server, outside its upload service
                f"http://localhost:{port}/file_share/abc/x.bin",
            ):
                offer_id = uuid.uuid4().hex
                meetroom_offer(other, b.call_id, url, "x.bin", b"x" * 10, offer_id).send()
                refused = await next_message(
                    messages, lambda m, i=offer_id: m.xml.find(f"{{{NS_FILE}}}answer[@id='{i}']") is not None
                )
                answer = refused.xml.find(f"{{{NS_FILE}}}answer")
                assert answer.get("action") == "refused" and "upload service" in answer.get("reason"), url
            plain = other.make_message(mto=b.call_id, mbody="look", mtype="chat")
            plain["oob"]["url"] = f"http://127.0.0.1:{port}/file_share/abc/y.bin"
            plain.send()

            # a real upload offered under a hostile name
            data = random_bytes(200_000)
            link = await third_party_upload(other, data, "evil.bin")
            # offers that lie about the bytes behind the link: too short a size, a wrong hash
            for lie, words in (("short.bin", "allowed"), ("forged.bin", "sha-256 differs")):
                claimed = data[:-1000] if lie == "short.bin" else random_bytes(len(data))
                meetroom_offer(other, b.call_id, link, lie, claimed, uuid.uuid4().hex).send()
                liar = await b.client.wait_event("receivedFileRequest", lambda e, n=lie: e["fileName"] == n, timeout=15)
                assert (await b.client.call("acceptIncomingFileRequest", fileRequestId=liar["fileRequestId"]))["result"]
                failed = await wait_status(b.client, liar["fileRequestId"], 0, 3)
                assert failed["status"] == 0 and words in failed["error"], failed
            assert (await b.client.call("getFileList"))["fileList"] == []
            assert list((b.proc.data_dir / "files").glob("*.part")) == []
            marker = f"meetroom-evil-{uuid.uuid4().hex}"
            hostile_id = uuid.uuid4().hex
            for _ in range(2):  # the same offer delivered twice is one request
                meetroom_offer(other, b.call_id, link, f"../../../../../tmp/{marker}", data, hostile_id).send()
            incoming = await b.client.wait_event("receivedFileRequest", timeout=15)
            assert incoming["fileName"] == marker
            assert (await b.client.call("acceptIncomingFileRequest", fileRequestId=incoming["fileRequestId"]))["result"]
            done = await wait_status(b.client, incoming["fileRequestId"], 3, 0)
            assert done["status"] == 3, done
            assert await file_sha256(b, done["fileId"]) == hashlib.sha256(data).hexdigest()
            received = await next_message(
                messages, lambda m: m.xml.find(f"{{{NS_FILE}}}answer[@action='received']") is not None
            )
            assert JID(str(received["from"])).bare == b.call_id
    finally:
        await runner.cleanup()
    assert hits == []  # the room never contacted the addresses it refused
    requests = (await b.client.call("getIncomingFilesRequests"))["incomingFilesRequests"]
    assert [r["fileName"] for r in requests] == ["short.bin", "forged.bin", marker]
    assert len(b.client.pending_events("receivedFileRequest")) == 0  # the second copy announced nothing
    files_dir = b.proc.data_dir / "files"
    assert all(p.name.isdigit() for p in files_dir.iterdir())
    assert not any(p.name == marker for p in b.proc.data_dir.parent.rglob("*"))
    assert not any(p.name == marker for p in Path("/tmp").glob("*"))


async def test_python_trueconf_room_library_sends_and_accepts_a_file(prosody, room_factory, connect, tmp_path):  # noqa: F811
    await asyncio.to_thread(ensure_venv)
    a, b = await start_rooms(prosody, room_factory, connect)
    await wait_available(a.client)
    data = random_bytes(1_500_000)
    file_id = await put_file(a, data, "minutes.docx")
    args = {"sender_port": a.proc.http_port, "receiver_port": b.proc.http_port, "file_id": file_id, "peer": b.call_id}
    out = await asyncio.to_thread(run_script, "file_flow.py", tmp_path / "client", json.dumps(args))
    assert out["ready"] and out["received"] and out["sent"], out
    events = out["events"]
    assert events["receivedFileRequest"]["fileName"] == "minutes.docx"
    assert events["receivedFileRequest"]["peerId"] == a.call_id
    assert events["fileSent"]["fileId"] == file_id and events["fileSent"]["peerId"] == b.call_id
    assert events["progress"][-1]["processedSize"] == len(data)
    received_id = events["fileStatus"]["id"]
    b.client = await connect(b.proc)  # the library's session took the administrator slot
    info = await b.client.call("getFileInfo", id=received_id)
    assert info["result"] is True and info["fileName"] == "minutes.docx", (info, events["fileStatus"])
    assert await file_sha256(b, info["fileId"]) == hashlib.sha256(data).hexdigest()
