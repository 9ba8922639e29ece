"""Drive a room onto the network: connectToServer, then login, waiting for the outcome."""

from __future__ import annotations

from typing import Any

from meetroom.client import RoomClient
from tests.support.prosody import ProsodyServer


async def connect_server(client: RoomClient, server: ProsodyServer, timeout: float = 10.0) -> dict[str, Any]:
    reply = await client.call("connectToServer", server="127.0.0.1", port=server.port)
    assert reply["result"] is True, reply
    return await client.wait_event("serverConnected", timeout=timeout)


async def login(client: RoomClient, name: str, password: str, timeout: float = 15.0) -> dict[str, Any]:
    reply = await client.call("login", login=name, password=password, encryptPassword=True)
    assert reply["result"] is True, reply
    return await client.wait_event("login", timeout=timeout)


async def online(client: RoomClient, server: ProsodyServer, name: str, password: str) -> dict[str, Any]:
    """Connect and log in; returns the successful `login` notification."""
    await connect_server(client, server)
    event = await login(client, name, password)
    assert event["result"] == 0, event
    await client.wait_event("appStateChanged", lambda e: e["appState"] == 3)
    return event
