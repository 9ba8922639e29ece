"""A connection flood against both ports, beside an idle baseline measured in the same run.

One room process under a low open-file limit (`--nofile`, default 1024 soft and hard, the common
default), with short deadlines (`--idle-timeout`, default 5 s). First the idle baseline (RSS,
getAppState latency of an administrator's connection); then `--sockets` idle TCP connections
from rotating 127.0.x.y addresses (half send nothing, half half a request line), spread over the
HTTP and WebSocket ports, while the witness keeps measuring. Printed: how many flood sockets the
room closed and how fast, the room's RSS and open descriptors, the witness's latency, and how long
a new administrator connection (PIN, from 127.0.0.1) and a config.json fetch take during the flood.

    python bench/flood_bench.py [--sockets 3000] [--nofile 1024] [--idle-timeout 5]

Not a test: it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.figures import summary  # noqa: E402
from meetroom.client import RoomClient  # noqa: E402
from tests.support.process import RoomProcess, rss_bytes  # noqa: E402

PIN = "5150"


def descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def source(i: int) -> str:
    return f"127.0.{2 + i // 250}.{1 + i % 250}"


async def latencies(client: RoomClient, stop: asyncio.Event | None, count: int) -> list[float]:
    out: list[float] = []
    while (stop is None and len(out) < count) or (stop is not None and not stop.is_set() and len(out) < 100_000):
        started = time.perf_counter()
        await client.call("getAppState")
        out.append(time.perf_counter() - started)
        await asyncio.sleep(0.01)  # a witness, not a load generator
    return out


async def timed_admin(room: RoomProcess) -> float:
    started = time.perf_counter()
    client = RoomClient("127.0.0.1", room.http_port)
    await asyncio.wait_for(client.connect(), 30)
    await asyncio.wait_for(client.auth(PIN, "admin"), 30)
    took = time.perf_counter() - started
    await client.close()
    return took


async def timed_config(room: RoomProcess) -> float:
    started = time.perf_counter()
    url = f"http://127.0.0.1:{room.http_port}/public/default/config.json"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http, http.get(url) as resp:
        assert resp.status == 200
    return time.perf_counter() - started


async def main(args: argparse.Namespace) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < args.sockets + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.sockets + 1000), hard))
    with tempfile.TemporaryDirectory() as tmp:
        room = RoomProcess(
            Path(tmp),
            ["--pin", PIN, "--idle-timeout", str(args.idle_timeout), "--auth-timeout", str(args.idle_timeout)],
            nofile=(args.nofile, args.nofile),
        ).start()
        pid = room.proc.pid
        flood: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        try:
            witness = RoomClient("127.0.0.1", room.http_port)
            await witness.connect()
            await witness.auth(PIN, "user")
            idle = await latencies(witness, None, 300)
            rss_idle, fds_idle = rss_bytes(pid), descriptors(pid)
            admin_idle, config_idle = await timed_admin(room), await timed_config(room)

            stop = asyncio.Event()
            measuring = asyncio.create_task(latencies(witness, stop, 0))
            peak_rss, peak_fds, refused = rss_idle, fds_idle, 0
            started = time.perf_counter()
            for i in range(args.sockets):
                port = room.http_port if i % 3 else room.ws_port
                try:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection("127.0.0.1", port, local_addr=(source(i), 0)), 5
                    )
                except (OSError, TimeoutError):
                    refused += 1
                    continue
                if i % 2:
                    writer.write(b"GET / HT")
                flood.append((reader, writer, time.perf_counter()))
                if i % 100 == 0:
                    peak_rss, peak_fds = max(peak_rss, rss_bytes(pid)), max(peak_fds, descriptors(pid))
            opened = time.perf_counter() - started
            admin_flood, config_flood = await timed_admin(room), await timed_config(room)

            async def closed_after(reader: asyncio.StreamReader, since: float) -> float | None:
                try:
                    await asyncio.wait_for(reader.read(65536), args.idle_timeout + 30)
                except (ConnectionError, OSError):
                    pass
                except TimeoutError:
                    return None
                return time.perf_counter() - since

            closes = await asyncio.gather(*(closed_after(r, t) for r, _, t in flood))
            stop.set()
            busy = await measuring
            peak_rss, rss_end, fds_end = max(peak_rss, rss_bytes(pid)), rss_bytes(pid), descriptors(pid)
            await witness.close()
        finally:
            for _, writer, _ in flood:
                with contextlib.suppress(Exception):
                    writer.close()
            room.stop()
    mib = 1 << 20
    done = [c for c in closes if c is not None]
    print(
        f"flood: {len(flood)} idle sockets opened in {opened:.1f} s from {args.sockets // 250 + 1} x 250 addresses "
        f"({refused} refused); room open-file limit {args.nofile}, idle timeout {args.idle_timeout:g} s"
    )
    print(
        f"       closed by the room: {len(done)} of {len(flood)}; time to close p50 "
        f"{statistics.median(done or [0]):.1f} s, max {max(done or [0]):.1f} s"
    )
    print(f"{'figure':<30}{'during the flood':<44}{'idle baseline (same run)'}")
    rss_text = f"peak {peak_rss / mib:.0f} MiB, after {rss_end / mib:.0f} MiB"
    print(f"{'room RSS':<30}{rss_text:<44}{rss_idle / mib:.0f} MiB")
    print(f"{'room open descriptors':<30}{f'peak {peak_fds}, after {fds_end}':<44}{fds_idle}")
    print(f"{'getAppState (witness)':<30}{summary(busy):<44}{summary(idle)}")
    print(f"{'new admin connect + auth':<30}{f'{admin_flood * 1000:.1f} ms':<44}{admin_idle * 1000:.1f} ms")
    print(f"{'GET config.json':<30}{f'{config_flood * 1000:.1f} ms':<44}{config_idle * 1000:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sockets", type=int, default=3000)
    parser.add_argument("--nofile", type=int, default=1024)
    parser.add_argument("--idle-timeout", type=float, default=5.0)
    asyncio.run(main(parser.parse_args()))
