"""A room serves config.json before its network side is loaded; the API still answers every command.

The room builds its network side (XMPP, calls, conferences, meeting features, file transfer, NDI,
metrics) right after its servers listen, importing it in a thread meanwhile. These tests talk to
the room in that window: a real process reached as soon as config.json is served, and an
in-process room whose command is dispatched before the network side exists.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from meetroom.client import RoomClient
from meetroom.commands import FRONT_TABLES
from tests.support.inprocess import build_room, request
from tests.support.process import RoomProcess

NETWORK_SIDE = "{'slixmpp', 'cryptography', 'meetroom.netside', 'meetroom.calls.manager', 'meetroom.net.service'}"
SERVED_WITHIN = 20.0  # seconds a starting room may take to serve config.json on a loaded machine


def test_the_path_to_listening_loads_no_network_side() -> None:
    """What `meetroom run` imports before it listens: none of the network side's modules."""
    code = f"import sys, meetroom.cli, meetroom.app; print(sorted({NETWORK_SIDE} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]", "python -X importtime -c 'import meetroom.app' shows who imports them"


def test_the_front_areas_name_no_network_side_service() -> None:
    """A front area's handlers answer before the network side exists, so none of them reaches for it."""
    reaching = re.compile(r"services\.(net|abook|calls|conferences|meeting|transfers|ndi)\b")
    modules = {inspect.getmodule(entry.handler) for table in FRONT_TABLES for entry in table}
    found = {m.__name__: reaching.findall(inspect.getsource(m)) for m in modules if m is not None}
    assert len(found) == len(FRONT_TABLES) and not any(found.values()), found


async def _first_config(http_port: int, proc: subprocess.Popen) -> dict:
    """Poll config.json the way a client that just started the room would, until it is served."""
    url = f"http://127.0.0.1:{http_port}/public/default/config.json"
    deadline = time.monotonic() + SERVED_WITHIN
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            assert proc.poll() is None, "the room exited"
            try:
                async with session.get(url) as reply:
                    if reply.status == 200:
                        return await reply.json(content_type=None)
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.002)
    raise AssertionError("config.json was not served")


async def test_a_client_that_finds_the_room_at_once_gets_every_answer(tmp_path: Path, schema) -> None:
    room = RoomProcess(tmp_path / "room")
    log = tmp_path / "room.log"
    with log.open("w") as out:
        room.proc = subprocess.Popen(room.command(), stdout=out, stderr=subprocess.STDOUT)
    try:
        cmd = room.proc.args
        room.http_port = int(cmd[cmd.index("--httpport") + 1])
        config = (await _first_config(room.http_port, room.proc))["config"]
        assert config["http"]["port"] == room.http_port
        client = RoomClient("127.0.0.1", room.http_port, on_message=schema)
        try:
            await client.connect()
            assert (await client.auth())["result"] is True
            state = await client.call("getAppState")
            assert state["result"] is True and state["appState"] == 0  # no server yet
            assert state["embeddedHttpPort"] == room.http_port
            login = await client.call("getLogin")  # from here on the network side answers
            assert (login["result"], login["isLoggedIn"], login["peerId"]) == (True, False, "")
            assert (await client.call("getAbook"))["abook"] == []
            servers = await client.call("getLastUsedServersList", count=5)
            assert servers["result"] is True and servers["lastUsedServersList"] == []
            refused = await client.call("getConferenceParticipants")
            assert refused == {
                "method": "getConferenceParticipants",
                "requestId": refused["requestId"],
                "result": False,
                "error": "the room is not in a call",
            }
        finally:
            await client.close()
    finally:
        room.stop()
    text = log.read_text()
    assert "meetroom ready" in text
    assert "in a thread failed" not in text and "Traceback" not in text, text


async def test_the_front_answers_at_once_and_the_rest_waits_for_the_network_side(tmp_path: Path, session) -> None:
    room = build_room(tmp_path)
    try:
        assert room._network_side is None  # an in-process room builds it at its first use
        for method, params in (("auth", {"type": "unsecured"}), ("getAppState", {}), ("getSettings", {})):
            reply = await room.dispatcher.dispatch(session, request(method, **params))
            assert reply["result"] is True, reply
        info = await room.dispatcher.dispatch(session, request("getSystemInfo"))
        assert info["result"] is True
        assert room._network_side is None  # none of these needed it
        loading = asyncio.ensure_future(room.load_network_side())  # as start() does once the servers listen
        reply = await room.dispatcher.dispatch(session, request("getLogin"))
        assert reply == {
            "method": "getLogin",
            "requestId": 7,
            "result": True,
            "isLoggedIn": False,
            "peerId": "",
            "peerDn": "",
        }
        assert room._network_side is not None  # the command waited for the load
        side = await loading
        assert room.network_side is side and room.net is side.net  # one network side, built once
        assert (await room.dispatcher.dispatch(session, request("getSystemInfo"))) == info
    finally:
        await room.close()
