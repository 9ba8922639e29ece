"""Round-trip latency and pipelined throughput of `getAppState`, beside a bare echo server.

Both servers are separate processes built on aiohttp (the room's own WebSocket library) and are
measured by the same client code in the same run, so the ratio shows what the room's own work
(parsing, dispatch, the handler, the reply queue) costs on top of the WebSocket layer.

    python bench/api_latency.py [--requests 3000] [--pipelined 20000] [--depth 64]

Targets: room p50 within 1.5x of the echo server's, room p99 under 5 ms. Not a test: it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.process import stop_by_pid  # noqa: E402

READY_TIMEOUT = 30.0
P50_RATIO_TARGET = 1.5
P99_TARGET_MS = 5.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the two servers ---------------------------------------------------------------------------
def serve_echo(port: int) -> None:
    """A minimal aiohttp WebSocket server that sends every text frame straight back."""

    async def handle(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=1 << 20, compress=False)
        await ws.prepare(request)
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                await ws.send_str(msg.data)
        return ws

    app = web.Application()
    app.router.add_get("/", handle)
    print("echo ready", flush=True)
    web.run_app(app, host="127.0.0.1", port=port, print=None, handle_signals=True)


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    ws_port: int

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        stop_by_pid(self.proc)


def _wait_line(proc: subprocess.Popen, pattern: str) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + READY_TIMEOUT
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if re.match(pattern, line):
            return lines
    os.kill(proc.pid, signal.SIGKILL)
    raise RuntimeError("server did not start:\n" + "".join(lines))


def start_echo() -> Server:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve-echo", str(port)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    _wait_line(proc, r"echo ready")
    return Server("echo", proc, port)


def start_room(data_dir: Path, profile: Path | None = None) -> Server:
    ws_port, http_port = free_port(), free_port()
    python = [sys.executable, "-m", "cProfile", "-o", str(profile)] if profile else [sys.executable]
    cmd = [*python, "-m", "meetroom", "run", "--host", "127.0.0.1", "--data-dir", str(data_dir)]
    cmd += ["--wsport", str(ws_port), "--httpport", str(http_port)]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    lines = _wait_line(proc, r"meetroom ready")
    for line in lines:
        if m := re.match(r"WebSocket API port: (\d+)", line):
            ws_port = int(m.group(1))
    return Server("room", proc, ws_port)


# --- the client (identical for both servers) ---------------------------------------------------
async def open_ws(session: aiohttp.ClientSession, server: Server) -> aiohttp.ClientWebSocketResponse:
    ws = await session.ws_connect(f"ws://127.0.0.1:{server.ws_port}/", max_msg_size=0, compress=0)
    if server.name == "room":
        await ws.send_str(json.dumps({"method": "auth", "type": "unsecured"}))
        reply = json.loads((await ws.receive()).data)
        if reply.get("result") is not True:
            raise RuntimeError(f"auth refused: {reply}")
    return ws


def request(i: int) -> str:
    return json.dumps({"method": "getAppState", "requestId": str(i)})


async def latency(server: Server, count: int, warmup: int = 300) -> list[float]:
    """Sequential round trips, one request in flight; seconds per round trip."""
    async with aiohttp.ClientSession() as session:
        ws = await open_ws(session, server)
        samples = []
        for i in range(warmup + count):
            text = request(i)
            t0 = time.perf_counter()
            await ws.send_str(text)
            msg = await ws.receive()
            elapsed = time.perf_counter() - t0
            if msg.type != aiohttp.WSMsgType.TEXT:
                raise RuntimeError(f"{server.name}: unexpected frame {msg.type}")
            if i >= warmup:
                samples.append(elapsed)
        await ws.close()
    return samples


async def throughput(server: Server, count: int, depth: int) -> float:
    """Requests per second with `depth` requests in flight; checks every reply came back in order."""
    async with aiohttp.ClientSession() as session:
        ws = await open_ws(session, server)
        window = asyncio.Semaphore(depth)

        async def send_all() -> None:
            for i in range(count):
                await window.acquire()
                await ws.send_str(request(i))

        async def receive_all() -> None:
            for i in range(count):
                msg = await ws.receive()
                if json.loads(msg.data)["requestId"] != str(i):
                    raise RuntimeError(f"{server.name}: reply {i} out of order")
                window.release()

        t0 = time.perf_counter()
        await asyncio.gather(send_all(), receive_all())
        elapsed = time.perf_counter() - t0
        await ws.close()
    return count / elapsed


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def measure(servers: list[Server], args: argparse.Namespace) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {s.name: {} for s in servers}
    # Interleave rounds so that drift of the machine affects both servers alike.
    lat: dict[str, list[float]] = {s.name: [] for s in servers}
    tput: dict[str, list[float]] = {s.name: [] for s in servers}
    cpu: dict[str, float] = {s.name: 0.0 for s in servers}
    per_round = args.pipelined // args.rounds
    for _ in range(args.rounds):
        for server in servers:
            lat[server.name] += await latency(server, args.requests // args.rounds)
            before = server.cpu_seconds()
            tput[server.name].append(await throughput(server, per_round, args.depth))
            cpu[server.name] += server.cpu_seconds() - before
    for name in out:
        samples = lat[name]
        out[name] = {
            "p50": pct(samples, 0.50),
            "p90": pct(samples, 0.90),
            "p99": pct(samples, 0.99),
            "max": max(samples) * 1000,
            "mean": statistics.fmean(samples) * 1000,
            "rps": statistics.median(tput[name]),
            "cpu_us": cpu[name] / (per_round * args.rounds) * 1e6,
        }
    return out


def report(results: dict[str, dict[str, float]], args: argparse.Namespace) -> bool:
    room, echo = results["room"], results["echo"]
    print(f"getAppState over loopback: {args.requests} sequential round trips, {args.pipelined} pipelined")
    print(f"(depth {args.depth}), {args.rounds} interleaved rounds; Python {sys.version.split()[0]}, aiohttp")
    print(f"{aiohttp.__version__}\n")
    print(f"{'':22}{'room':>10}{'echo':>10}{'ratio':>8}")
    for key, label in (("p50", "latency p50 (ms)"), ("p90", "latency p90 (ms)"), ("p99", "latency p99 (ms)")):
        print(f"{label:22}{room[key]:10.3f}{echo[key]:10.3f}{room[key] / echo[key]:8.2f}")
    print(f"{'latency max (ms)':22}{room['max']:10.3f}{echo['max']:10.3f}{room['max'] / echo['max']:8.2f}")
    print(f"{'latency mean (ms)':22}{room['mean']:10.3f}{echo['mean']:10.3f}{room['mean'] / echo['mean']:8.2f}")
    print(f"{'pipelined (req/s)':22}{room['rps']:10.0f}{echo['rps']:10.0f}{room['rps'] / echo['rps']:8.2f}")
    cpu_ratio = room["cpu_us"] / echo["cpu_us"] if echo["cpu_us"] else float("nan")
    print(f"{'server CPU/req (us)':22}{room['cpu_us']:10.1f}{echo['cpu_us']:10.1f}{cpu_ratio:8.2f}")
    p50_ok = room["p50"] <= P50_RATIO_TARGET * echo["p50"]
    p99_ok = room["p99"] < P99_TARGET_MS
    print()
    print(f"target p50 <= {P50_RATIO_TARGET}x echo: {'met' if p50_ok else 'MISSED'}")
    print(f"target p99 < {P99_TARGET_MS} ms:       {'met' if p99_ok else 'MISSED'}")
    return p50_ok and p99_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000, help="sequential round trips per server")
    parser.add_argument("--pipelined", type=int, default=40000, help="pipelined requests per server")
    parser.add_argument("--depth", type=int, default=64, help="requests in flight when pipelined")
    parser.add_argument("--rounds", type=int, default=5, help="alternate the servers this many times")
    parser.add_argument("--profile", type=Path, help="run the room under cProfile, writing stats here")
    parser.add_argument("--serve-echo", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_echo:
        serve_echo(args.serve_echo)
        return 0
    with tempfile.TemporaryDirectory(prefix="meetroom-bench-") as tmp:
        servers = [start_room(Path(tmp) / "data", args.profile), start_echo()]
        try:
            results = asyncio.run(measure(servers, args))
        finally:
            for server in servers:
                server.stop()
    report(results, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
