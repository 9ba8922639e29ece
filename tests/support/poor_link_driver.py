"""Driver of tests/test_calls_poor_link.py, meant to run inside a network namespace (`ip netns exec`).

It starts Prosody (meetroom dev-server) and two rooms on the namespace's own 127.0.0.1, places a
call A → B, records both rooms' outgoing bitrate, then shapes the namespace's loopback with a token
bucket (`tc qdisc ... tbf`) and records it again. Everything it learns goes to stdout, one JSON
object per line: `{"pid": n}` for every process it starts (so the test can kill them by pid even if
the driver itself dies), `{"sample": {...}}` about every 0.5 s and a final `{"done": {...}}`.
The link, Prosody's XMPP and the API's WebSocket all share that loopback, as on a real slow link;
sampling therefore uses only small API replies (no /frames/ JPEGs).
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from meetroom.client import RoomClient
from tests.support.netroom import online
from tests.support.process import RoomProcess
from tests.support.prosody import ProsodyServer, new_account

STEP = 0.5


def emit(**record: Any) -> None:
    print(json.dumps(record), flush=True)


def encoder_state(room: RoomProcess) -> dict[str, int]:
    """The room's latest logged encoder state (meetroom.calls.media logs it on each bitrate change)."""
    for line in reversed(room.output):
        marker = "outgoing bitrate "
        if marker in line:
            return ast.literal_eval(line.split(marker, 1)[1].strip())
    return {}


async def frames_of(client: RoomClient) -> int:
    """Video frames this room has received from its peer so far."""
    reply = await client.call("getConferenceParticipants")
    return max((int(p.get("videoFrames", 0)) for p in reply.get("participants", [])), default=0)


async def sample(phase: str, t0: float, rooms: dict[str, tuple[RoomProcess, RoomClient]]) -> dict[str, Any]:
    record: dict[str, Any] = {"phase": phase, "t": round(time.monotonic() - t0, 2)}
    for key, (proc, client) in rooms.items():
        record[f"{key}_kbps"] = (await client.call("getOutgoingBitrate"))["bitrate"]
        record[f"{key}_frames_in"] = await frames_of(client)
        record[f"{key}_encoder"] = encoder_state(proc)
    return record


def settled(history: list[dict[str, Any]], rate_kbit: int) -> bool:
    """A sends under half the link and both pictures have flowed at >= 5 fps for the last 2 s."""
    now = history[-1]
    before = [r for r in history if r["t"] <= now["t"] - 2.0]
    if not before or now["a_kbps"] <= 0 or now["a_kbps"] > rate_kbit // 2:
        return False
    then = before[-1]
    span = now["t"] - then["t"]
    return all(now[f"{k}_frames_in"] - then[f"{k}_frames_in"] >= 5 * span for k in ("a", "b"))


def shape(rate_kbit: int, latency_ms: int) -> None:
    command = ["tc", "qdisc", "add", "dev", "lo", "root", "tbf", "rate", f"{rate_kbit}kbit"]
    command += ["burst", "16kbit", "latency", f"{latency_ms}ms"]
    subprocess.run(command, check=True, timeout=10, capture_output=True)


async def drive(args: argparse.Namespace) -> None:
    base = Path(args.dir)
    prosody = ProsodyServer(base / "prosody")
    started: list[Any] = [prosody]
    try:
        prosody.start()
        assert prosody.proc is not None
        emit(pid=prosody.proc.pid)
        rooms: dict[str, tuple[RoomProcess, RoomClient]] = {}
        for key in ("a", "b"):
            proc = RoomProcess(base / key, ["--ice-host", "127.0.0.1"])
            started.append(proc)
            proc.start()
            assert proc.proc is not None
            emit(pid=proc.proc.pid)
            client = RoomClient("127.0.0.1", proc.http_port)
            await client.connect()
            await client.auth()
            rooms[key] = (proc, client)
        accounts = {key: new_account(prosody, key) for key in rooms}
        await asyncio.gather(*(online(rooms[k][1], prosody, *accounts[k]) for k in rooms))
        a, b = rooms["a"][1], rooms["b"][1]
        assert (await a.call("call", peerId=f"{accounts['b'][0]}@localhost"))["result"] is True
        await b.wait_event("inviteReceived", timeout=10)
        assert (await b.call("accept"))["result"] is True
        await a.wait_event("conferenceCreated", timeout=15)
        await b.wait_event("conferenceCreated", timeout=15)

        t0 = time.monotonic()
        while time.monotonic() - t0 < args.free_seconds:
            emit(sample=await sample("free", t0, rooms))
            await asyncio.sleep(STEP)
        shape(args.rate_kbit, args.latency_ms)
        t0 = time.monotonic()
        emit(shaped={"rate_kbit": args.rate_kbit, "latency_ms": args.latency_ms})
        history: list[dict[str, Any]] = []
        while time.monotonic() - t0 < args.limited_seconds:
            history.append(await asyncio.wait_for(sample("limited", t0, rooms), 10))
            emit(sample=history[-1])
            if not args.keep_going and settled(history, args.rate_kbit):
                break
            await asyncio.sleep(STEP)
        in_call = (await asyncio.wait_for(a.call("getConferences"), 10))["result"]
        stats = subprocess.run(["tc", "-s", "qdisc", "show", "dev", "lo"], capture_output=True, text=True, timeout=10)
        emit(qdisc=stats.stdout.strip())
        emit(done={"in_call": in_call})
        for key, (proc, _) in rooms.items():
            emit(log={key: [line.rstrip() for line in proc.output if "meetroom.calls" in line][-20:]})
        for _, client in rooms.values():
            await client.close()
    finally:
        for thing in reversed(started):
            thing.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="scratch directory for Prosody and the rooms")
    parser.add_argument("--rate-kbit", type=int, default=600)
    parser.add_argument("--latency-ms", type=int, default=300, help="tbf queue length, as time at the rate")
    parser.add_argument("--free-seconds", type=float, default=5.0)
    parser.add_argument("--limited-seconds", type=float, default=20.0)
    parser.add_argument("--keep-going", action="store_true", help="sample the whole limited phase (for curves)")
    args = parser.parse_args()
    asyncio.run(drive(args))


if __name__ == "__main__":
    sys.exit(main())
