"""A 50 MB file from room A to room B over the dev server, beside plain HTTP transfers of the same
bytes to and from the same Prosody in the same run.

    python bench/file_transfer_bench.py [--size-mb 50] [--rounds 3]

The room's transfer has two legs: A's upload (sendFile until A's request is done: slot, PUT with
the hash computed on the way, offer, receipt) and B's download (accept until B's request is done:
GET, hash, write, the file committed). Each leg is set beside the plain HTTP request that moves
the same bytes (a slixmpp slot + aiohttp PUT; aiohttp GET into a file, no hash). Target: B's download at
least 0.8x the plain download's throughput. Not a test: it prints medians.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import aiohttp
from slixmpp import ClientXMPP

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from meetroom.client import RoomClient
from tests.support.netroom import online
from tests.support.process import RoomProcess
from tests.support.prosody import ProsodyServer, new_account

TARGET = 0.8
MB = 1024 * 1024


async def plain_client(server: ProsodyServer, name: str, password: str) -> ClientXMPP:
    client = ClientXMPP(f"{name}@localhost/bench", password)
    client.enable_starttls = client.enable_direct_tls = False
    client.enable_plaintext = True
    for plugin in ("xep_0030", "xep_0363"):
        client.register_plugin(plugin)
    client.plugin["feature_mechanisms"].unencrypted_plain = True
    started = asyncio.Event()
    client.add_event_handler("session_start", lambda _e: started.set())
    client.connect(host="127.0.0.1", port=server.port)
    await asyncio.wait_for(started.wait(), 10)
    return client


async def plain_round(client: ClientXMPP, http: aiohttp.ClientSession, path: Path, size: int) -> tuple[float, float]:
    """Seconds for a plain PUT of the file to a fresh slot and a plain GET of it back."""
    iq = await client.plugin["xep_0363"].request_slot(
        jid="upload.localhost", filename="plain.bin", size=size, content_type="application/octet-stream"
    )
    slot = iq["http_upload_slot"]
    headers = {h.get("name"): h.text for h in slot.xml.iter("{urn:xmpp:http:upload:0}header")}

    async def body():
        with path.open("rb") as source:
            while chunk := source.read(MB):
                yield chunk

    start = time.perf_counter()
    put_headers = {**headers, "Content-Length": str(size), "Content-Type": "application/octet-stream"}
    async with http.put(slot["put"]["url"], data=body(), headers=put_headers) as reply:
        assert reply.status in (200, 201), reply.status
    put_time = time.perf_counter() - start
    start = time.perf_counter()
    got = 0
    with (path.parent / "plain-download.bin").open("wb") as out:  # a download lands in a file, as curl -o
        async with http.get(slot["get"]["url"]) as reply:
            async for chunk in reply.content.iter_chunked(MB):
                got += len(chunk)
                out.write(chunk)
    assert got == size
    return put_time, time.perf_counter() - start


async def wait_done(client: RoomClient, request_id: str) -> dict:
    event = await client.wait_event(
        "fileRequestStatusChanged", lambda e: e["fileRequestId"] == request_id and e["status"] in (0, 3), timeout=120
    )
    assert event["status"] == 3, event
    return event


async def room_round(a: RoomClient, b: RoomClient, a_id: str, b_id: str, file_id: int) -> tuple[float, float, int]:
    start = time.perf_counter()
    reply = await a.call("sendFile", fileId=file_id, callId=b_id)
    assert reply["result"] is True, reply
    incoming = await b.wait_event("receivedFileRequest", lambda e: e["peerId"] == a_id, timeout=60)
    await wait_done(a, reply["sentFileRequestId"])
    upload_time = time.perf_counter() - start
    start = time.perf_counter()
    assert (await b.call("acceptIncomingFileRequest", fileRequestId=incoming["fileRequestId"]))["result"]
    done = await wait_done(b, incoming["fileRequestId"])
    return upload_time, time.perf_counter() - start, done["fileId"]


def rate(size: int, seconds: float) -> str:
    return f"{size / MB / seconds:7.1f} MB/s ({seconds * 1000:6.0f} ms)"


async def main(size_mb: int, rounds: int) -> None:
    size = size_mb * MB
    with tempfile.TemporaryDirectory() as tmp:
        data_path = Path(tmp) / "payload.bin"
        data_path.write_bytes(os.urandom(size))
        digest = hashlib.sha256(data_path.read_bytes()).hexdigest()
        server = ProsodyServer(Path(tmp) / "prosody").start()
        rooms = [RoomProcess(Path(tmp) / n).start() for n in ("a", "b")]
        clients: list[RoomClient] = []
        try:
            ids = []
            for room in rooms:
                name, password = new_account(server, "fb")
                client = RoomClient("127.0.0.1", room.http_port)
                await client.connect()
                await client.auth()
                await online(client, server, name, password)
                clients.append(client)
                ids.append(f"{name}@localhost")
            a, b = clients
            name, password = new_account(server, "plain")
            plain = await plain_client(server, name, password)
            timeout = aiohttp.ClientTimeout(total=300)
            async with aiohttp.ClientSession(timeout=timeout) as http:
                form = aiohttp.FormData()
                form.add_field("file", data_path.open("rb"), filename="payload.bin")
                url = f"http://127.0.0.1:{rooms[0].http_port}/files/?token={quote(a.http_token or '')}"
                async with http.post(url, data=form) as reply:
                    file_id = int(reply.headers["FileId"])
                puts, gets, ups, downs = [], [], [], []
                for _ in range(rounds):
                    put_time, get_time = await plain_round(plain, http, data_path, size)
                    up, down, received = await room_round(a, b, ids[0], ids[1], file_id)
                    puts.append(put_time)
                    gets.append(get_time)
                    ups.append(up)
                    downs.append(down)
                get_url = f"http://127.0.0.1:{rooms[1].http_port}/files/{received}?token={quote(b.http_token or '')}"
                check = hashlib.sha256()
                async with http.get(get_url) as reply:
                    async for chunk in reply.content.iter_chunked(MB):
                        check.update(chunk)
                assert check.hexdigest() == digest, "the received file differs"
            await plain.disconnect()
        finally:
            for client in clients:
                await client.close()
            for room in rooms:
                room.stop()
            server.stop()
    put, get = statistics.median(puts), statistics.median(gets)
    up, down = statistics.median(ups), statistics.median(downs)
    print(f"{size_mb} MB, median of {rounds} rounds, loopback, one Prosody (sha-256 of the result checked)")
    print(f"  plain HTTP PUT to the upload service    {rate(size, put)}")
    print(f"  room A upload leg (sendFile -> sent)    {rate(size, up)}   {put / up:.2f}x plain PUT")
    print(f"  plain HTTP GET from the upload service  {rate(size, get)}")
    print(f"  room B download leg (accept -> file)    {rate(size, down)}   {get / down:.2f}x plain GET")
    print(f"  both legs end to end                    {rate(size, up + down)}   {get / (up + down):.2f}x plain GET")
    verdict = "met" if get / down >= TARGET else "NOT met"
    print(f"  target: download leg >= {TARGET}x plain GET: {verdict}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.size_mb, args.rounds))
