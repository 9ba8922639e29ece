"""A long fuzz: 100k bad and odd messages over 8 connections, beside an idle baseline.

One room process; first the idle baseline (RSS, getAppState latency of a witness connection with
nothing else going on), then 8 connections send `--messages` messages in total (invalid JSON,
random JSON values, unknown methods, real methods with random parameters, big strings; a bounded
number in flight per connection) while the witness keeps measuring. Every message must get a
reply; the room must stay up. Printed: replies/s, the room's RSS (before, peak, after), and the
witness's getAppState latency p50/p99/max during the fuzz beside the idle figures.

    python bench/fuzz_bench.py [--messages 100000] [--connections 8] [--depth 32]

Not a test: it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.figures import summary  # noqa: E402
from meetroom.commands import build_registry  # noqa: E402  (the real method names)
from tests.support.process import RoomProcess, rss_bytes  # noqa: E402

NEVER = {"shutdown", "shutdownSystem", "rebootSystem", "auth", "setAuthParams", "clearTokens"}
NEVER |= {"stopHttpServer", "setHttpServerSettings", "setSettings", "login", "connectToServer"}
METHODS = sorted(c.name for c in build_registry().all_commands() if c.name not in NEVER)


def junk(rng: random.Random, n: int) -> str:
    """One fuzz message; every one carries requestId n so the reply can be matched."""
    kind = rng.randrange(6)
    values = [None, True, -1, 0, 2**63, 1.5, "", "x" * rng.randrange(1, 5000), [], {}, [1, [2, [3]]], {"a": {"b": 1}}]
    if kind == 0:
        return json.dumps({"method": rng.choice(METHODS), "requestId": n})
    if kind == 1:
        params = {rng.choice(["peerId", "callId", "fileId", "name", "value", "data", "id"]): rng.choice(values)}
        return json.dumps({"method": rng.choice(METHODS), "requestId": n, **params})
    if kind == 2:
        return json.dumps({"method": f"noSuchMethod{rng.randrange(10**6)}", "requestId": n})
    if kind == 3:
        return json.dumps({"method": "fireMyEvent", "requestId": n, "data": rng.choice(values)})
    if kind == 4:
        return json.dumps({"method": rng.choice(values) if rng.random() < 0.5 else "getAppState", "requestId": n})
    return f'{{"requestId": {n}, "method": "getAppState", ' + rng.choice(["", "]", "{", '"x":', "nul"])


async def fuzzer(url: str, index: int, count: int, depth: int, done: list[int]) -> None:
    rng = random.Random(index)
    async with aiohttp.ClientSession() as http, http.ws_connect(url, max_msg_size=0) as ws:
        if index == 0:
            await ws.send_json({"method": "auth", "type": "unsecured", "role": "user"})
            await ws.receive(timeout=30)
        in_flight = 0
        sent = 0
        while sent < count or in_flight:
            while sent < count and in_flight < depth:
                await ws.send_str(junk(rng, sent))
                sent += 1
                in_flight += 1
            msg = await ws.receive(timeout=60)
            if msg.type != aiohttp.WSMsgType.TEXT:
                raise RuntimeError(f"fuzz connection {index} ended: {msg.type} {msg.data} {msg.extra}")
            reply = json.loads(msg.data)
            if reply.get("method") != "event":  # notifications (myEvent) are not replies
                in_flight -= 1
                done[0] += 1


async def latencies(ws: aiohttp.ClientWebSocketResponse, stop: asyncio.Event | None, count: int) -> list[float]:
    out: list[float] = []
    n = 0
    while (stop is None and n < count) or (stop is not None and not stop.is_set() and n < 1_000_000):
        n += 1
        started = time.perf_counter()
        await ws.send_json({"method": "getAppState", "requestId": f"w{n}"})
        while True:
            reply = json.loads((await ws.receive(timeout=60)).data)
            if reply.get("requestId") == f"w{n}":
                break
        out.append(time.perf_counter() - started)
        await asyncio.sleep(0.005)  # a witness, not a load generator
    return out


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        room = RoomProcess(Path(tmp), ["--auth-timeout", "3600"]).start()
        try:
            pid = room.proc.pid
            url = f"ws://127.0.0.1:{room.ws_port}/"
            async with aiohttp.ClientSession() as http, http.ws_connect(url, max_msg_size=0) as witness:
                await witness.send_json({"method": "auth", "type": "unsecured", "role": "admin"})
                await witness.receive(timeout=30)
                idle = await latencies(witness, None, 400)
                rss_idle = rss_bytes(pid)
                stop, done, peak = asyncio.Event(), [0], [rss_idle]

                async def sample() -> None:
                    while not stop.is_set():
                        peak[0] = max(peak[0], rss_bytes(pid))
                        await asyncio.sleep(0.2)

                per = args.messages // args.connections
                started = time.perf_counter()
                sampler = asyncio.create_task(sample())
                measuring = asyncio.create_task(latencies(witness, stop, 0))
                await asyncio.gather(*(fuzzer(url, i, per, args.depth, done) for i in range(args.connections)))
                elapsed = time.perf_counter() - started
                stop.set()
                busy = await measuring
                await sampler
                rss_after = rss_bytes(pid)
                alive = room.proc.poll() is None
        finally:
            room.stop()
    mib = 1 << 20
    print(f"fuzz: {done[0]} replies to {per * args.connections} messages over {args.connections} connections")
    print(f"      in {elapsed:.1f} s = {done[0] / elapsed:,.0f} replies/s; room alive: {alive}")
    print(f"{'figure':<28}{'during fuzz':<44}{'idle baseline (same run)'}")
    rss_text = f"peak {peak[0] / mib:.0f} MiB, after {rss_after / mib:.0f} MiB"
    print(f"{'room RSS':<28}{rss_text:<44}{rss_idle / mib:.0f} MiB")
    print(f"{'getAppState (witness)':<28}{summary(busy):<44}{summary(idle)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--depth", type=int, default=32, help="messages in flight per connection")
    asyncio.run(main(parser.parse_args()))
