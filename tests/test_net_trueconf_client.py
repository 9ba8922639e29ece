"""python-trueconf-room (PyPI) drives connectToServer + login against a room and a real Prosody."""

from __future__ import annotations

import asyncio
import json

from tests.support.prosody import new_account, prosody  # noqa: F401
from tests.support.trueconf_venv import ensure_venv, run_script


async def test_library_connects_and_logs_in(prosody, room, tmp_path):  # noqa: F811
    await asyncio.to_thread(ensure_venv)
    name, password = new_account(prosody)
    params = {
        "ip": "127.0.0.1",
        "port": room.http_port,
        "server": "127.0.0.1",
        "server_port": prosody.port,
        "login": name,
        "password": password,
    }
    out = await asyncio.to_thread(run_script, "net_login.py", tmp_path / "client", json.dumps(params))
    assert out["ready"] is True
    connected = out["events"]["serverConnected"]
    assert (connected["server"], connected["port"], connected["domain"]) == ("127.0.0.1", prosody.port, "localhost")
    login = out["events"]["login"]
    assert login["result"] == 0
    assert login["peerId"] == f"{name}@localhost"
    assert out["app_state"] == 3 and out["logged_in"] is True
