"""Interop with the public client python-trueconf-room 1.0.0 from PyPI, against a real room process.

The library runs in its own venv (it pins websocket-client==0.58); our scripts in scripts/ drive it
and print JSON that these tests assert on. Every session is opened the way users open one:
`open_session(ip, port=<HTTP port>, pin=...)`, so the ports come from config.json discovery.
"""

from __future__ import annotations

import asyncio
import io
import json
import secrets
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image
from yarl import URL

from tests.support.trueconf_venv import ensure_venv, run_script

PIN = "2468"
WRONG_PIN = "1357"
C_SHARP_BUFFER = 10240


@pytest.fixture(scope="module", autouse=True)
def trueconf_venv() -> Path:
    return ensure_venv()


async def run(name: str, cwd: Path, **params: Any) -> dict[str, Any]:
    """Run a script in a temporary cwd (the library writes videosdk.log there)."""
    return await asyncio.to_thread(run_script, name, cwd / "trueconf-client", json.dumps(params))


def setting(reply: dict[str, Any], name: str) -> Any:
    return next(s["value"] for s in reply["settings"] if s["name"] == name)


@pytest.mark.parametrize("pin", [PIN, None], ids=["with-pin", "unsecured"])
async def test_open_session_becomes_ready_and_gets_its_automatic_requests_answered(room_factory, tmp_path, pin):
    room = room_factory(*(["--pin", pin] if pin else []))
    out = await run("open_session.py", tmp_path, ip="127.0.0.1", port=room.http_port, pin=pin)

    # Discovery through config.json worked (free ports, not the library's 8765/8766 fallback).
    assert (out["ws_port"], out["http_port"]) == (room.ws_port, room.http_port)
    assert out["ready"] is True and out["connected"] is True
    assert isinstance(out["token"], str) and out["token"]
    assert out["app_state"] == 0
    assert out["infos_answered"] is True
    system, settings, monitors = out["systemInfo"], out["settings"], out["monitors_info"]
    assert system["method"] == "getSystemInfo" and system["result"] is True
    for key in ("authInfo", "fileInfo", "productInfo", "permissionsInfo", "bitrateLimits", "systemRating"):
        assert isinstance(system[key], dict), key
    assert settings["method"] == "getSettings" and settings["result"] is True
    assert {"name": "audioPlayLevel", "value": 1.0} in settings["settings"]
    assert monitors["method"] == "getMonitorsInfo" and monitors["result"] is True
    assert monitors["monitors"] and monitors["currentMonitor"] in [m["index"] for m in monitors["monitors"]]
    assert out["trueconf_id"] == system["authInfo"]["peerId"]


async def test_wrong_pin_is_refused_and_commands_sent_anyway_are_not_executed(room_factory, connect, tmp_path):
    room = room_factory("--pin", PIN)
    admin = await connect(room, pin=PIN)
    before = setting(await admin.call("getSettings"), "audioPlayLevel")
    nonce = f"intruder-{secrets.token_hex(4)}"

    out = await run(
        "wrong_pin.py",
        tmp_path,
        ip="127.0.0.1",
        port=room.http_port,
        pin=WRONG_PIN,
        nonce=nonce,
        setting="audioPlayLevel",
        value=0.15,
    )

    assert out["refused"] and out["answered"], out
    frames = out["frames"]
    auth = [f for f in frames if f.get("method") == "auth"]
    assert len(auth) == 1
    assert auth[0]["result"] is False
    assert isinstance(auth[0]["error"], str) and auth[0]["error"]
    assert auth[0]["resultCode"] == 3
    assert "tokenForHttpServer" not in auth[0] and "token" not in auth[0]
    # The library took the refusal for what it is: no session, no HTTP token.
    assert out["connected"] is False and out["ready"] is False and out["token"] == ""
    commands = [f for f in frames if f.get("method") in ("fireMyEvent", "setSettings", "saveData")]
    assert len(commands) == 6
    for reply in commands:
        assert reply["result"] is False and reply["error"], reply
    # At least one batch was processed after the refusal (the "sent anyway" case).
    assert frames.index(auth[0]) < frames.index(commands[-1])
    assert not [f for f in frames if f.get("method") == "event"]

    # Nothing changed, as an authorised client sees it.
    assert setting(await admin.call("getSettings"), "audioPlayLevel") == before
    names = (await admin.call("getAllUserContainersNames"))["containersNames"]
    assert not [n for n in names if n.startswith(nonce)]
    marker = f"marker-{secrets.token_hex(4)}"
    await admin.call("fireMyEvent", data=marker)
    first = await admin.wait_event("myEvent", timeout=5)
    assert first["data"] == marker, f"an unauthorised fireMyEvent was executed: {first}"
    assert room.proc is not None and room.proc.poll() is None


async def test_fire_my_event_reaches_both_library_sessions(room_factory, tmp_path):
    room = room_factory("--pin", PIN)
    data = f"hello-{secrets.token_hex(4)}"
    # Without a PIN the library gets user mode, with it administrator mode: one session per mode.
    out = await run("two_sessions.py", tmp_path, ip="127.0.0.1", port=room.http_port, pins=[None, PIN], data=data)

    assert out["ready"] == [True, True]
    assert out["delivered"] is True
    assert [r["result"] for r in out["reply"]] == [True]
    for inbox in out["received"]:
        assert [(e["method"], e["event"], e["data"]) for e in inbox] == [("event", "myEvent", data)]


async def test_every_frame_satisfies_the_library_filters(room_factory, tmp_path):
    room = room_factory("--pin", PIN)
    nonce = f"audit-{secrets.token_hex(4)}"
    out = await run("catch_all.py", tmp_path, ip="127.0.0.1", port=room.http_port, pin=PIN, nonce=nonce)

    assert out["ready"] is True and out["complete"] is True
    assert len(out["sent"]) > 60  # every zero-argument get* wrapper and the state-changing ones
    audit = out["audit"]
    bad = [a for a in audit if a["ok"] is False]
    assert not bad, "frames the library's filters reject:\n" + "\n".join(
        f"{a['kind']} {a['name']}: {json.dumps(a['frame'])[:300]}" for a in bad
    )
    for entry in audit:
        frame = entry["frame"]
        # The C# wrappers read into a 10 240-byte buffer without reassembly (spec/clients.md §2.6).
        assert len(json.dumps(frame, separators=(",", ":"), ensure_ascii=False).encode()) < C_SHARP_BUFFER, frame
        if frame.get("method") == "event":
            assert entry["kind"] == "event", f"notification unknown to the library: {frame}"
            assert frame.get("appState", 0) in range(7)
        else:
            assert "result" in frame and "requestId" in frame, frame
    # Exactly one reply per command, in the order the library sent them.
    reply_names = [a["name"] for a in audit if a["frame"].get("method") != "event"]
    assert reply_names == out["expected"]
    auth = audit[0]["frame"]
    assert auth["method"] == "auth" and auth["result"] is True and auth["tokenForHttpServer"]
    assert [a["frame"]["data"] for a in audit if a["name"] == "myEvent"] == [nonce]
    changed = [a["frame"] for a in audit if a["name"] == "settingsChanged"]
    assert {"name": "audioPlayLevel", "value": 0.25} in [{"name": c["name"], "value": c["value"]} for c in changed]


async def test_self_view_url_serves_a_jpeg(room_factory, tmp_path):
    room = room_factory("--pin", PIN)
    out = await run("open_session.py", tmp_path, ip="127.0.0.1", port=room.http_port, pin=PIN)
    token = out["token"]
    url = out["self_view_url"]
    assert url == f"http://127.0.0.1:{room.http_port}/frames/?peerId=%23self%3A0&token={token}"

    async with aiohttp.ClientSession() as http:
        for variant in (url, url + "&hash=0.123"):  # pollers add a cache-buster
            async with http.get(URL(variant, encoded=True), timeout=aiohttp.ClientTimeout(total=10)) as resp:
                assert resp.status == 200, await resp.text()
                body = await resp.read()
            image = Image.open(io.BytesIO(body))
            assert image.format == "JPEG" and image.size[0] > 0 and image.size[1] > 0
        bad = url.replace(f"token={token}", "token=not-a-token")
        async with http.get(URL(bad, encoded=True), timeout=aiohttp.ClientTimeout(total=10)) as resp:
            assert 400 <= resp.status < 500
