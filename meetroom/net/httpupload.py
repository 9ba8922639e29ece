"""HTTP File Upload (XEP-0363): finding the server's upload service, asking it for a slot, and
moving the bytes with the file streamed in chunks both ways (memory stays flat for any size).

Uploads and downloads hash what they move (sha-256) in the same pass. A download goes to the
temporary path it is given and stops as soon as it passes the size it may have; redirects are
not followed, so the URL checked before the download is the one fetched.
"""

from __future__ import annotations

import asyncio
import hashlib
import queue
import threading
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
from slixmpp.exceptions import IqError, IqTimeout

from meetroom.core.errors import DomainError

if TYPE_CHECKING:
    from meetroom.net.xmpp import XmppSession

NS_UPLOAD = "urn:xmpp:http:upload:0"
NS_DATA = "jabber:x:data"
CHUNK = 1024 * 1024
IQ_TIMEOUT = 10.0
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=30)

Progress = Callable[[int], None]


class TransferError(DomainError):
    """A file transfer step that failed; the text says which and why."""


@dataclass(frozen=True)
class UploadService:
    jid: str
    max_size: int  # 0: the server names no limit


@dataclass(frozen=True)
class Slot:
    put_url: str
    get_url: str
    headers: dict[str, str]


def _max_size(info: ET.Element) -> int:
    for form in info.iter(f"{{{NS_DATA}}}x"):
        for fld in form.findall(f"{{{NS_DATA}}}field"):
            if fld.get("var") == "max-file-size":
                text = (fld.findtext(f"{{{NS_DATA}}}value") or "").strip()
                if text.isdigit():
                    return int(text)
    return 0


async def discover(session: XmppSession) -> UploadService | None:
    """The upload service among the server's items (disco#items, then disco#info of each)."""
    disco = session.client.plugin["xep_0030"]
    domain = session.client.boundjid.domain
    try:
        items = await disco.get_items(jid=domain, timeout=IQ_TIMEOUT)
    except (IqError, IqTimeout):
        return None
    candidates = [domain, *(str(item[0]) for item in items["disco_items"]["items"])]
    for jid in candidates:
        try:
            info = await disco.get_info(jid=jid, timeout=IQ_TIMEOUT)
        except (IqError, IqTimeout):
            continue
        if NS_UPLOAD in info["disco_info"]["features"]:
            return UploadService(jid, _max_size(info.xml))
    return None


def _slot_refusal(exc: IqError, size: int) -> str:
    error = exc.iq.xml.find("{jabber:client}error")
    too_large = error.find(f"{{{NS_UPLOAD}}}file-too-large") if error is not None else None
    if too_large is not None:
        limit = too_large.findtext(f"{{{NS_UPLOAD}}}max-file-size") or "?"
        return f"the server's upload service takes files up to {limit} bytes; this one has {size}"
    text = exc.iq["error"]["text"] or exc.iq["error"]["condition"]
    return f"the server's upload service refused a slot: {text}"


async def request_slot(session: XmppSession, service: UploadService, name: str, size: int, mime: str) -> Slot:
    iq = session.client.make_iq_get(ito=service.jid)
    attrs = {"filename": name, "size": str(size), "content-type": mime or "application/octet-stream"}
    iq.append(ET.Element(f"{{{NS_UPLOAD}}}request", attrs))
    try:
        result = await iq.send(timeout=IQ_TIMEOUT)
    except IqError as exc:
        raise TransferError(_slot_refusal(exc, size)) from None
    except IqTimeout:
        raise TransferError("the server's upload service did not answer the slot request") from None
    slot = result.xml.find(f"{{{NS_UPLOAD}}}slot")
    put = slot.find(f"{{{NS_UPLOAD}}}put") if slot is not None else None
    get = slot.find(f"{{{NS_UPLOAD}}}get") if slot is not None else None
    if put is None or get is None or not put.get("url") or not get.get("url"):
        raise TransferError("the server's upload service sent a slot without URLs")
    headers = {}
    for header in put.findall(f"{{{NS_UPLOAD}}}header"):
        if header.get("name") in ("Authorization", "Cookie", "Expires"):  # the only ones XEP-0363 allows
            headers[header.get("name", "")] = (header.text or "").replace("\n", "").replace("\r", "")
    return Slot(put.get("url", ""), get.get("url", ""), headers)


async def _chunks(path: Path, digest: hashlib._Hash, progress: Progress) -> AsyncIterator[bytes]:
    done = 0
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            done += len(chunk)
            yield chunk
            progress(done)


async def upload(http: aiohttp.ClientSession, slot: Slot, path: Path, size: int, mime: str, progress: Progress) -> str:
    """PUT the file to the slot; returns its sha-256 (hex)."""
    digest = hashlib.sha256()
    headers = {**slot.headers, "Content-Length": str(size), "Content-Type": mime or "application/octet-stream"}
    body = _chunks(path, digest, progress)
    try:
        async with http.put(slot.put_url, data=body, headers=headers, allow_redirects=False) as reply:
            if reply.status not in (200, 201):
                raise TransferError(f"the upload service answered HTTP {reply.status} to the upload")
    except aiohttp.ClientError as exc:
        raise TransferError(f"the upload failed: {exc}") from None
    return digest.hexdigest()


class _Sink:
    """Hashes and writes chunks in a thread while the event loop reads the next ones.

    hashlib and file writes release the GIL, so receiving, hashing and writing overlap; the
    queue holds at most QUEUED chunks, so memory stays bounded whatever the file's size.
    """

    QUEUED = 8

    def __init__(self, temp: Path) -> None:
        self.digest = hashlib.sha256()
        self._out = temp.open("wb")
        self._queue: queue.Queue[bytes | None] = queue.Queue(self.QUEUED)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="download-sink", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while (chunk := self._queue.get()) is not None:
                self.digest.update(chunk)
                self._out.write(chunk)
        except BaseException as exc:  # reported to the downloader by close()
            self._error = exc
            while self._queue.get() is not None:  # keep draining so the producer never blocks
                pass
        finally:
            self._out.close()

    async def put(self, chunk: bytes) -> None:
        try:
            self._queue.put_nowait(chunk)
        except queue.Full:
            await asyncio.to_thread(self._queue.put, chunk)

    async def close(self) -> str:
        """Wait for the writes; the sha-256 (hex). Raises what the writer thread hit."""
        await asyncio.to_thread(self._queue.put, None)
        await asyncio.to_thread(self._thread.join)
        if self._error is not None:
            raise self._error
        return self.digest.hexdigest()


async def download(
    http: aiohttp.ClientSession, url: str, temp: Path, limit: int, progress: Progress
) -> tuple[int, str]:
    """GET the URL into `temp`, refusing more than `limit` bytes; returns (size, sha-256 hex)."""
    size = 0
    sink = _Sink(temp)
    try:
        async with http.get(url, allow_redirects=False) as reply:
            if reply.status != 200:
                raise TransferError(f"the upload service answered HTTP {reply.status} to the download")
            if reply.content_length is not None and reply.content_length > limit:
                raise TransferError(f"the file has {reply.content_length} bytes, more than the {limit} allowed")
            async for chunk in reply.content.iter_chunked(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TransferError(f"the file is larger than the {limit} bytes allowed")
                await sink.put(chunk)
                progress(size)
    except aiohttp.ClientError as exc:
        raise TransferError(f"the download failed: {exc}") from None
    finally:
        digest = await asyncio.shield(sink.close())
    return size, digest


async def head_size(http: aiohttp.ClientSession, url: str) -> int | None:
    """The size a URL announces (for offers that do not say it); None when it does not tell."""
    try:
        async with http.head(url, allow_redirects=False) as reply:
            return reply.content_length if reply.status == 200 else None
    except aiohttp.ClientError:
        return None
