"""Network benchmarks against a real Prosody (started through `meetroom dev-server`).

Figures, each printed beside a baseline measured in the same run with a bare slixmpp client
(the XMPP cost alone, without meetroom's API in between):
  1. connectToServer → appState 3 (connect + login), median of several rounds
  2. chat latency room A → room B (sendMessage → incomingChatMessage), p50/p99 over N messages
  3. roster of 1000 contacts: getAbook reply time and size

Run from the repository root: `python bench/network_bench.py [--messages 1000] [--contacts 1000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slixmpp import ClientXMPP

from meetroom.client import RoomClient
from tests.support.process import RoomProcess
from tests.support.prosody import ProsodyServer


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Bare(ClientXMPP):
    """A plain slixmpp client: the baseline."""

    def __init__(self, jid: str, password: str) -> None:
        super().__init__(jid, password)
        self.enable_starttls = False
        self.enable_direct_tls = False
        self.enable_plaintext = True
        self.register_plugin("feature_mechanisms")
        self.plugin["feature_mechanisms"].unencrypted_plain = True
        self.started = asyncio.Event()
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.add_event_handler("session_start", lambda _e: self.started.set())
        self.add_event_handler("message", lambda m: self.inbox.put_nowait((time.perf_counter(), m["body"])))

    async def online(self, port: int, roster: bool = True) -> None:
        self.connect(host="127.0.0.1", port=port)
        await asyncio.wait_for(self.started.wait(), 10)
        if roster:
            await self.get_roster()
        self.send_presence()

    async def close(self) -> None:
        await self.disconnect()


async def room_online(client: RoomClient, port: int, name: str, pw: str) -> float:
    t0 = time.perf_counter()
    await client.call("connectToServer", server="127.0.0.1", port=port)
    await client.wait_event("serverConnected")
    await client.call("login", login=name, password=pw)
    event = await client.wait_event("login", timeout=15)
    assert event["result"] == 0, event
    await client.wait_event("appStateChanged", lambda e: e["appState"] == 3)
    return time.perf_counter() - t0


async def bench_login(server: ProsodyServer, room: RoomProcess, rounds: int) -> tuple[float, float]:
    name, pw = f"login{uuid.uuid4().hex[:6]}", "pw"
    server.add_user(name, pw)
    client = RoomClient("127.0.0.1", room.http_port, timeout=20)
    await client.connect()
    await client.auth()
    times = []
    for _ in range(rounds):
        times.append(await room_online(client, server.port, name, pw))
        await client.call("logout")
        await client.wait_event("logout")
        client.clear_events()
    await client.close()
    base = []
    for _ in range(rounds):
        bare = Bare(f"{name}@localhost/bench", pw)
        t0 = time.perf_counter()
        await bare.online(server.port)
        base.append(time.perf_counter() - t0)
        await bare.close()
    return statistics.median(times), statistics.median(base)


async def bench_chat(server: ProsodyServer, room_a: RoomProcess, room_b: RoomProcess, count: int):
    (an, bn) = (f"ca{uuid.uuid4().hex[:6]}", f"cb{uuid.uuid4().hex[:6]}")
    server.add_user(an, "pw")
    server.add_user(bn, "pw")
    a = RoomClient("127.0.0.1", room_a.http_port, timeout=20)
    b = RoomClient("127.0.0.1", room_b.http_port, timeout=20)
    for c in (a, b):
        await c.connect()
        await c.auth()
    await room_online(a, server.port, an, "pw")
    await room_online(b, server.port, bn, "pw")
    latencies = []
    for i in range(count):
        text = f"m{i}"
        t0 = time.perf_counter()
        await a.call("sendMessage", peerId=bn, message=text)
        await b.wait_event("incomingChatMessage", lambda e, t=text: e["message"] == t)
        latencies.append(time.perf_counter() - t0)
        if i % 100 == 0:
            a.clear_events()
    for c in (a, b):
        await c.call("logout")
        await c.close()
    # baseline: the same accounts with bare slixmpp clients
    x, y = Bare(f"{an}@localhost/base", "pw"), Bare(f"{bn}@localhost/base", "pw")
    await x.online(server.port)
    await y.online(server.port)
    base = []
    for i in range(count):
        t0 = time.perf_counter()
        x.send_message(mto=f"{bn}@localhost/base", mbody=f"b{i}", mtype="chat")
        arrived, _ = await asyncio.wait_for(y.inbox.get(), 10)
        base.append(arrived - t0)
    await x.close()
    await y.close()
    return latencies, base


async def bench_roster(server: ProsodyServer, room: RoomProcess, contacts: int):
    name = f"r{uuid.uuid4().hex[:6]}"
    server.add_user(name, "pw")
    filler = Bare(f"{name}@localhost/fill", "pw")
    await filler.online(server.port, roster=False)

    async def add(i: int) -> None:
        iq = filler.make_iq_set()  # a roster set carries exactly one item (RFC 6121)
        iq["roster"]["items"] = {f"contact{i:05d}@localhost": {"name": f"Contact {i}", "groups": ["Bench"]}}
        await iq.send(timeout=30)

    for start in range(0, contacts, 50):
        await asyncio.gather(*(add(i) for i in range(start, min(contacts, start + 50))))
    t0 = time.perf_counter()
    result = await filler.get_roster()
    base = time.perf_counter() - t0
    assert len(result["roster"]["items"]) == contacts
    await filler.close()
    client = RoomClient("127.0.0.1", room.http_port, timeout=30)
    await client.connect()
    await client.auth()
    await room_online(client, server.port, name, "pw")
    times, size = [], 0
    for _ in range(5):
        t0 = time.perf_counter()
        reply = await client.call("getAbook")
        times.append(time.perf_counter() - t0)
        size = len(json.dumps(reply).encode())
        assert len(reply["abook"]) == contacts
    await client.call("logout")
    await client.close()
    return statistics.median(times), size, base


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="meetroom-netbench-"))
    server = ProsodyServer(tmp / "prosody").start()
    rooms = [RoomProcess(tmp / n).start() for n in ("a", "b")]
    try:
        room_s, bare_s = await bench_login(server, rooms[0], args.rounds)
        print(
            f"connectToServer→appState 3: median {room_s * 1000:.1f} ms"
            f"   (baseline bare slixmpp login {bare_s * 1000:.1f} ms)"
        )
        lat, base = await bench_chat(server, rooms[0], rooms[1], args.messages)
        print(
            f"chat A→B over {len(lat)} msgs: p50 {pct(lat, 0.5) * 1000:.2f} ms, p99 {pct(lat, 0.99) * 1000:.2f} ms"
            f"   (baseline slixmpp→slixmpp p50 {pct(base, 0.5) * 1000:.2f} ms, p99 {pct(base, 0.99) * 1000:.2f} ms)"
        )
        abook_s, size, roster_s = await bench_roster(server, rooms[0], args.contacts)
        print(
            f"getAbook with {args.contacts} contacts: {abook_s * 1000:.1f} ms, {size / 1024:.1f} KiB"
            f"   (baseline XMPP roster get {roster_s * 1000:.1f} ms)"
        )
    finally:
        for room in rooms:
            room.stop()
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
