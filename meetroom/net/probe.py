"""A plain XMPP stream to the server, used before login.

`connectToServer` must tell whether a server answers for a domain before anyone logs in, and
the room must notice when that server goes away. XMPP has no "connected but anonymous" state
in client libraries, so this module opens a bare client stream (no TLS, no login), reads the
server's answer, and can hold the stream open with whitespace keepalives. It connects only to
the address and port it was given: no DNS SRV lookup.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from meetroom.core.tasks import cancel_and_wait

STREAM_NS = "http://etherx.jabber.org/streams"
KEEPALIVE_INTERVAL = 20.0

_ERROR = re.compile(rb"<(?:stream:)?error[^>]*>\s*<([a-z-]+)[^>]*?/?>(?:.*?<text[^>]*>(.*?)</text>)?", re.S)
_FEATURES = re.compile(rb"<(?:stream:)?features[\s>/]")
_STREAM_FROM = re.compile(rb"<stream:stream[^>]*?\sfrom=['\"]([^'\"]+)['\"]", re.S)


class ProbeError(Exception):
    """The server could not be used; `reason` says why in words a room owner understands."""

    def __init__(self, reason: str, condition: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.condition = condition


@dataclass
class ProbeResult:
    domain: str
    features: bytes


def stream_header(domain: str) -> bytes:
    return (
        f"<?xml version='1.0'?><stream:stream to={quoteattr(domain)} version='1.0' "
        f"xmlns='jabber:client' xmlns:stream='{STREAM_NS}'>"
    ).encode()


def _explain(condition: str, text: str, domain: str) -> str:
    if condition == "host-unknown":
        return f"the server does not serve the domain '{domain}'" + (f" ({text})" if text else "")
    return f"the server refused the connection: {condition}" + (f" ({text})" if text else "")


async def open_stream(
    host: str, port: int, domain: str, timeout: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, ProbeResult]:
    """Connect, open a client stream for `domain` and read the features (or the refusal)."""
    try:
        # asyncio.timeout, not wait_for: 3.11's wait_for loses a cancel that races the connect's
        # result, and the room's connect loop then went on retrying while the room shut down
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
    except TimeoutError:
        raise ProbeError(f"no answer from {host}:{port} within {timeout:g} s", "timeout") from None
    except OSError as exc:
        raise ProbeError(f"cannot reach {host}:{port}: {exc.strerror or exc}", "unreachable") from None
    try:
        writer.write(stream_header(domain))
        await writer.drain()
        data = b""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if (m := _ERROR.search(data)) is not None:
                condition = m.group(1).decode()
                text = (m.group(2) or b"").decode(errors="replace").strip()
                raise ProbeError(_explain(condition, text, domain), condition)
            if (_FEATURES.search(data) and b"</stream:features>" in data) or re.search(rb"<stream:features/>", data):
                m_from = _STREAM_FROM.search(data)
                answered = m_from.group(1).decode() if m_from else domain
                return reader, writer, ProbeResult(answered.lower(), data)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise ProbeError(f"{host}:{port} did not answer as an XMPP server", "not-xmpp")
            async with asyncio.timeout(remaining):
                chunk = await reader.read(65536)
            if not chunk:
                raise ProbeError(f"{host}:{port} closed the connection: not an XMPP client port?", "closed")
            data += chunk
    except TimeoutError:
        writer.close()
        raise ProbeError(f"{host}:{port} did not answer as an XMPP server", "not-xmpp") from None
    except ProbeError:
        writer.close()
        raise
    except OSError as exc:
        writer.close()
        raise ProbeError(f"connection to {host}:{port} failed: {exc.strerror or exc}", "unreachable") from None


async def probe(host: str, port: int, domain: str, timeout: float = 5.0) -> ProbeResult:
    """Check that `host:port` is an XMPP server serving `domain`, then close the stream."""
    _, writer, result = await open_stream(host, port, domain, timeout)
    with contextlib.suppress(OSError):
        writer.write(b"</stream:stream>")
        writer.close()
    return result


class ServerLink:
    """Holds a pre-login stream open and reports when the server goes away.

    A stream the server closes on its own (e.g. its timeout for streams that never log in) is
    reopened at once; only when reopening fails does `on_lost` run with the reason.
    """

    def __init__(self, host: str, port: int, domain: str, on_lost: Callable[[str], None], timeout: float = 5.0):
        self.host, self.port, self.domain = host, port, domain
        self._on_lost = on_lost
        self._timeout = timeout
        self._task: asyncio.Task | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def start(self) -> ProbeResult:
        reader, writer, result = await open_stream(self.host, self.port, self.domain, self._timeout)
        self._writer = writer
        self._task = asyncio.create_task(self._hold(reader, writer))
        return result

    async def _hold(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            reason = await self._watch(reader, writer)
            with contextlib.suppress(OSError):
                writer.close()
            try:
                reader, writer, _ = await open_stream(self.host, self.port, self.domain, self._timeout)
                self._writer = writer
            except ProbeError as exc:
                self._writer = None
                self._on_lost(exc.reason or reason)
                return

    async def _watch(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> str:
        while True:
            try:
                async with asyncio.timeout(KEEPALIVE_INTERVAL):
                    chunk = await reader.read(65536)
            except TimeoutError:
                try:
                    writer.write(b" ")
                    await writer.drain()
                except OSError as exc:
                    return f"connection lost: {exc.strerror or exc}"
                continue
            except OSError as exc:
                return f"connection lost: {exc.strerror or exc}"
            if not chunk:
                return "the server closed the connection"

    async def close(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        if self._writer is not None:
            with contextlib.suppress(OSError, RuntimeError):
                self._writer.write(b"</stream:stream>")
                self._writer.close()
            self._writer = None
