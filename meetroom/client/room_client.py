"""RoomClient: discovery through config.json, auth, correlated calls and notifications.

It reconnects by itself after the room goes away and signs in again with the connection token
the room issued, the way the API intends tokens to be used.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

MessageHook = Callable[[dict[str, Any]], None]
EventFilter = Callable[[dict[str, Any]], bool]


class AuthFailed(Exception):
    def __init__(self, reply: dict[str, Any]) -> None:
        super().__init__(reply.get("error", "authorisation refused"))
        self.reply = reply


class RoomClient:
    def __init__(
        self,
        host: str = "127.0.0.1",
        http_port: int = 8766,
        *,
        instance: str = "default",
        ws_port: int | None = None,
        on_message: MessageHook | None = None,
        auto_reconnect: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.http_port = http_port
        self.instance = instance
        self.ws_port = ws_port
        self.on_message = on_message
        self.auto_reconnect = auto_reconnect
        self.timeout = timeout
        self.token: str | None = None
        self.http_token: str | None = None
        self.role: str | None = None
        self.api_version: str | None = None
        self._credentials: tuple[str | None, str | None] = (None, None)
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task | None = None
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future] = {}
        self.unmatched: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._events: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self._closing = False
        self.connected = asyncio.Event()
        self.reconnects = 0
        self.reconnected = asyncio.Event()  # set after each successful reconnect + sign-in
        self._reconnector: asyncio.Task | None = None

    # --- connection -------------------------------------------------------------------
    async def discover(self) -> tuple[int, int]:
        """Read the real ports from /public/<instance>/config.json."""
        session = await self._session()
        url = f"http://{self.host}:{self.http_port}/public/{self.instance}/config.json"
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=self.timeout)) as resp:
            resp.raise_for_status()
            doc = await resp.json(content_type=None)
        config = doc["config"]
        self.ws_port = int(config["websocket"]["port"])
        self.http_port = int(config["http"]["port"])
        return self.ws_port, self.http_port

    async def connect(self) -> None:
        if self.ws_port is None:
            await self.discover()
        session = await self._session()
        self._ws = await session.ws_connect(
            f"ws://{self.host}:{self.ws_port}/",
            timeout=aiohttp.ClientWSTimeout(ws_close=self.timeout),
            max_msg_size=0,
            autoping=True,
        )
        self._reader = asyncio.create_task(self._read_loop(self._ws))
        self.connected.set()

    async def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        return self._http

    async def close(self) -> None:
        self._closing = True
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._reader, self.timeout)
        if self._http is not None:
            await self._http.close()

    async def __aenter__(self) -> RoomClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- protocol ---------------------------------------------------------------------
    async def auth(self, credentials: str | None = None, role: str | None = None) -> dict[str, Any]:
        """Sign in with a PIN, password or token; unsecured when no credentials are given."""
        msg: dict[str, Any] = {"type": "secured", "credentials": credentials} if credentials else {"type": "unsecured"}
        if role:
            msg["role"] = role
        reply = await self.call("auth", **msg)
        if not reply.get("result"):
            raise AuthFailed(reply)
        self._credentials = (credentials, role)
        self.token = reply.get("token")
        self.http_token = reply.get("tokenForHttpServer")
        self.role = "admin" if reply.get("previleges") == 2 else "user"
        return reply

    async def set_api_version(self, version: str) -> dict[str, Any]:
        reply = await self.call("setUsedApiVersion", version=version)
        if reply.get("result"):
            self.api_version = version
        return reply

    async def call(self, method: str, /, **params: Any) -> dict[str, Any]:
        """Send one command and wait for the reply with the same requestId."""
        request_id = str(next(self._ids))
        message = {"method": method, "requestId": request_id, **params}
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            await self.send_text(json.dumps(message))
            return await asyncio.wait_for(future, self.timeout)
        finally:
            self._pending.pop(request_id, None)

    async def send_text(self, text: str) -> None:
        if self._ws is None or self._ws.closed:
            raise ConnectionError("not connected to the room")
        await self._ws.send_str(text)

    async def send_bytes(self, data: bytes) -> None:
        if self._ws is None or self._ws.closed:
            raise ConnectionError("not connected to the room")
        await self._ws.send_bytes(data)

    @property
    def closed(self) -> bool:
        return self._ws is None or self._ws.closed

    @property
    def close_code(self) -> int | None:
        return self._ws.close_code if self._ws is not None else None

    # --- notifications ----------------------------------------------------------------
    async def wait_event(
        self, name: str, predicate: EventFilter | None = None, timeout: float | None = None
    ) -> dict[str, Any]:
        """The oldest not yet consumed notification `name` that matches, waiting for one if needed."""
        deadline = asyncio.get_running_loop().time() + (timeout or self.timeout)
        while True:
            for i, event in enumerate(self._events):
                if event.get("event") == name and (predicate is None or predicate(event)):
                    return self._events.pop(i)
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"no '{name}' notification within {timeout or self.timeout} s")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    def pending_events(self, name: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self._events if name is None or e.get("event") == name]

    def clear_events(self) -> None:
        self._events.clear()

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        """Every notification as it arrives (consuming them)."""
        while True:
            while self._events:
                yield self._events.pop(0)
            self._arrived.clear()
            await self._arrived.wait()

    # --- internals --------------------------------------------------------------------
    async def _read_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            message = json.loads(frame.data)
            if self.on_message is not None:
                self.on_message(message)
            if message.get("method") == "event":
                self._events.append(message)
                self._arrived.set()
                continue
            future = self._pending.get(str(message.get("requestId", "")))
            if future is not None and not future.done():
                future.set_result(message)
            else:
                self.unmatched.put_nowait(message)
        self.connected.clear()
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionError("connection to the room closed"))
        self._arrived.set()
        if self.auto_reconnect and not self._closing:
            self._reconnector = asyncio.create_task(self._reconnect())

    async def _reconnect(self) -> None:
        delay = 0.1
        for _ in range(60):
            if self._closing:
                return
            try:
                self.ws_port = None
                await self.connect()
                if self.api_version:
                    await self.call("setUsedApiVersion", version=self.api_version)
                # Sign in again with the issued token (or the original credentials if it expired).
                try:
                    await self.auth(self.token, self._credentials[1]) if self.token else await self.auth(
                        *self._credentials
                    )
                except AuthFailed:
                    await self.auth(*self._credentials)
                self.reconnects += 1
                self.reconnected.set()
                return
            except (OSError, aiohttp.ClientError, TimeoutError, AuthFailed, KeyError, ValueError) as exc:
                log.debug("reconnect failed: %s", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
