"""A bare WebSocket client over asyncio streams, for sending what well-behaved clients never would.

Library clients refuse to send invalid UTF-8 in a text frame, split messages at will or ignore
size limits; the fuzz tests need exactly that, so frames are built here by hand (RFC 6455).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
from typing import Any

TEXT, BINARY, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x2, 0x8, 0x9, 0xA, 0x0


class Closed(Exception):
    """The server closed the connection; `code` is its close code (None if it just hung up)."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        super().__init__(f"closed with code {code} {reason!r}")
        self.code = code
        self.reason = reason


def _mask(payload: bytes, key: bytes) -> bytes:
    if not payload:
        return payload
    n = len(payload)
    stream = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(stream, "big")).to_bytes(n, "big")


def strict_json(text: str) -> Any:
    """json.loads that refuses NaN/Infinity, which are not JSON and break strict clients."""

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")

    return json.loads(text, parse_constant=refuse)


class RawWebSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def connect(cls, host: str, port: int, timeout: float = 5.0, source: str | None = None) -> RawWebSocket:
        """`source`: the local address to connect from (e.g. 127.0.x.y, to look like many computers)."""
        local = (source, 0) if source else None
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, limit=1 << 22, local_addr=local), timeout
        )
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status:
            writer.close()
            raise ConnectionError(f"handshake refused: {status!r}")
        return cls(reader, writer)

    @staticmethod
    def _header(opcode: int, length: int, fin: bool, key: bytes) -> bytes:
        header = bytes([(0x80 if fin else 0) | opcode])
        if length < 126:
            header += bytes([0x80 | length])
        elif length < 1 << 16:
            header += bytes([0x80 | 126]) + length.to_bytes(2, "big")
        else:
            header += bytes([0x80 | 127]) + length.to_bytes(8, "big")
        return header + key

    async def send_frame(self, opcode: int, payload: bytes, *, fin: bool = True) -> None:
        key = os.urandom(4)
        self._writer.write(self._header(opcode, len(payload), fin, key) + _mask(payload, key))
        await self._writer.drain()

    async def send_header_only(self, opcode: int, length: int, *, fin: bool = True) -> None:
        """Announce a frame of `length` bytes without sending its payload.

        A server that refuses the frame on its header then has read everything we sent, so its
        close frame cannot be lost to a TCP reset caused by unread data.
        """
        self._writer.write(self._header(opcode, length, fin, os.urandom(4)))
        await self._writer.drain()

    async def send_raw(self, data: bytes) -> None:
        """Bytes as they are (several frames built by hand, e.g. a pipeline)."""
        self._writer.write(data)
        await self._writer.drain()

    async def send_text(self, text: str) -> None:
        await self.send_frame(TEXT, text.encode())

    async def recv_frame(self, timeout: float = 10.0) -> tuple[int, bytes]:
        """The next complete frame; raises Closed when a close frame or EOF arrives."""
        try:
            head = await asyncio.wait_for(self._reader.readexactly(2), timeout)
            n = head[1] & 0x7F
            if n == 126:
                n = int.from_bytes(await self._reader.readexactly(2), "big")
            elif n == 127:
                n = int.from_bytes(await self._reader.readexactly(8), "big")
            key = await self._reader.readexactly(4) if head[1] & 0x80 else b""
            payload = await asyncio.wait_for(self._reader.readexactly(n), timeout)
        except (asyncio.IncompleteReadError, ConnectionError):
            raise Closed(None) from None
        if key:
            payload = _mask(payload, key)
        opcode = head[0] & 0x0F
        if opcode == CLOSE:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
            raise Closed(code, payload[2:].decode(errors="replace"))
        return opcode, payload

    async def recv_json(self, timeout: float = 10.0, *, skip_events: bool = True) -> dict[str, Any]:
        """The next JSON message (replies only, unless skip_events is False)."""
        while True:
            opcode, payload = await self.recv_frame(timeout)
            if opcode == PING:
                await self.send_frame(PONG, payload)
                continue
            if opcode != TEXT:
                raise AssertionError(f"server sent opcode {opcode}, expected a text frame")
            message = strict_json(payload.decode())
            if not isinstance(message, dict):
                raise AssertionError(f"server sent a non-object: {message!r}")
            if skip_events and message.get("method") == "event" and "event" in message:
                continue
            return message

    async def exchange(self, text: str, timeout: float = 10.0) -> dict[str, Any]:
        await self.send_text(text)
        return await self.recv_json(timeout)

    async def close(self) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.send_frame(CLOSE, (1000).to_bytes(2, "big"))
        self._writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self._writer.wait_closed()
