"""STUN/TURN from the XMPP server (XEP-0215): used only once an administrator switches it on.

The parser runs on hand-made answers; the rest runs against a real Prosody whose
mod_external_services names a STUN server on 127.0.0.1 that this test plays itself (a few lines
of aioice's STUN codec), so it can count who asks it: nobody by default, the calling room once
`iceExternalServices` is on.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import aioice.stun
import pytest

from meetroom.net.extdisco import EXTDISCO, IceService, parse_services
from tests.support.calls import connected_call, start_rooms, wait_state
from tests.support.ports import free_ports
from tests.support.prosody import ProsodyServer

NOW = 1_800_000_000.0


def services(*items: dict[str, str]) -> ET.Element:
    root = ET.Element(f"{{{EXTDISCO}}}services")
    for item in items:
        ET.SubElement(root, f"{{{EXTDISCO}}}service", item)
    return root


def test_stun_and_turn_entries_are_read_and_the_unusable_ones_left_out():
    answer = services(
        {"type": "stun", "host": "127.0.0.1", "port": "3478", "transport": "udp"},
        {"type": "turn", "host": "turn.example", "port": "3478", "username": "u", "password": "p"},
        {"type": "turns", "host": "::1", "port": "5349", "username": "u", "password": "p"},
        {"type": "turn", "host": "nocreds.example", "port": "3478"},  # TURN always needs credentials
        {"type": "stun", "host": "old.example", "port": "3478", "expires": "2020-01-01T00:00:00Z"},
        {"type": "stun", "host": "bad.example", "port": "99999"},
        {"type": "ftp", "host": "files.example", "port": "21"},
        {"type": "stun", "port": "3478"},
    )
    found = parse_services(answer, now=NOW)
    assert found == [
        IceService("stun", "127.0.0.1", 3478),
        IceService("turn", "turn.example", 3478, "udp", "u", "p"),
        IceService("turns", "::1", 5349, "tcp", "u", "p"),
    ]
    assert [s.uri for s in found] == [
        "stun:127.0.0.1:3478",
        "turn:turn.example:3478?transport=udp",
        "turns:[::1]:5349?transport=tcp",
    ]
    assert parse_services(None) == [] and parse_services(services()) == []


def test_a_future_expiry_is_kept():
    (found,) = parse_services(services({"type": "stun", "host": "h", "port": "1", "expires": "2030-01-01T00:00:00Z"}))
    assert found.expires is not None and found.expires > NOW


class StunServer(asyncio.DatagramProtocol):
    """Answers Binding requests with the sender's address and remembers who asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int]] = []
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            request = aioice.stun.parse_message(data)
        except ValueError:
            return
        if request.message_method != aioice.stun.Method.BINDING:
            return
        self.asked.append(addr)
        response = aioice.stun.Message(
            aioice.stun.Method.BINDING, aioice.stun.Class.RESPONSE, transaction_id=request.transaction_id
        )
        response.attributes["XOR-MAPPED-ADDRESS"] = addr
        self.transport.sendto(bytes(response), addr)


@pytest.fixture(scope="module")
def stun_port() -> int:
    return free_ports(1)[0]


@pytest.fixture(scope="module")
def prosody(tmp_path_factory: pytest.TempPathFactory, stun_port: int) -> Iterator[ProsodyServer]:
    server = ProsodyServer(tmp_path_factory.mktemp("prosody"), ice_services=[f"stun:127.0.0.1:{stun_port}"])
    server.start()
    yield server
    server.stop()


async def test_the_servers_stun_is_used_only_when_switched_on(prosody, room_factory, connect, stun_port):
    stun = StunServer()
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
        lambda: stun, local_addr=("127.0.0.1", stun_port)
    )
    try:
        a, b = await start_rooms(prosody, room_factory, connect)
        # default: nothing asks the server for services, no call contacts the STUN server
        await connected_call(a, b)
        await a.client.call("hangUp")
        await wait_state(a.client, 3)
        assert stun.asked == []
        assert "XEP-0215" not in a.proc.text
        # switched on (admin setting): A asks the server, and its next call's ICE asks the STUN server
        reply = await a.client.call("setSettings", settings={"iceExternalServices": True})
        assert reply["result"] is True, reply
        async with asyncio.timeout(10):
            while f"ICE servers from the XMPP server: ['stun:127.0.0.1:{stun_port}']" not in a.proc.text:
                await asyncio.sleep(0.05)
        await connected_call(a, b)
        assert stun.asked, "the calling room never asked the STUN server"
        assert {host for host, _ in stun.asked} == {"127.0.0.1"}
        await a.client.call("hangUp")
        await wait_state(a.client, 3)
    finally:
        transport.close()
