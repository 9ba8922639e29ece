"""/frames/ throughput: JPEGs served per second to 1, 4 and 16 concurrent pollers.

A real `meetroom run` process serves self view ('#self:0', 1280x720@30 test pattern); each poller
asks for the next frame as soon as it has the last one. Beside every figure the script prints
the baseline measured in the same run with the same pollers: the room's own config.json (the
cheapest route of the same HTTP server). It also reads the frame sequence numbers to show the
capture rate while serving, and the room process's CPU use.

    python bench/frames_bench.py [seconds per run]

Targets (issue 3): at least 100 JPEGs/s, and the capture rate stays at 30 fps meanwhile.
Note: client and room share this machine's cores.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from meetroom.client import RoomClient  # noqa: E402
from tests.support.process import RoomProcess  # noqa: E402

DURATION = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
POLLERS = (1, 4, 16)
TARGET_JPEGS = 100.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


async def poll(session: aiohttp.ClientSession, url: str, until: float, seqs: list[int]) -> int:
    served = 0
    while time.monotonic() < until:
        async with session.get(url) as resp:
            await resp.read()
            assert resp.status == 200, resp.status
            if "X-Frame-Seq" in resp.headers:
                seqs.append(int(resp.headers["X-Frame-Seq"]))
        served += 1
    return served


async def run(url: str, pollers: int, pid: int) -> tuple[float, float, float]:
    """(responses per second, capture fps seen through X-Frame-Seq, room CPU cores)."""
    connector = aiohttp.TCPConnector(limit=pollers)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(url) as resp:  # wake the pipeline before timing
            await resp.read()
        seqs: list[int] = []
        cpu0, start = cpu_seconds(pid), time.monotonic()
        counts = await asyncio.gather(*(poll(session, url, start + DURATION, seqs) for _ in range(pollers)))
        elapsed = time.monotonic() - start
        cores = (cpu_seconds(pid) - cpu0) / elapsed
    capture = (max(seqs) - min(seqs)) / elapsed if seqs else 0.0
    return sum(counts) / elapsed, capture, cores


async def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        room = RoomProcess(Path(data_dir)).start()
        assert room.proc is not None
        port, pid = room.http_port, room.proc.pid
        try:
            client = RoomClient("127.0.0.1", port)
            await client.connect()
            await client.auth()
            token = client.http_token
            frames = f"http://127.0.0.1:{port}/frames/?peerId=%23self%3A0&token={token}"
            baseline = f"http://127.0.0.1:{port}/public/default/config.json"
            print(f"/frames/ self view 1280x720@30, {DURATION:.0f} s per run; baseline: config.json, same server")
            header = f"{'pollers':>7}{'JPEGs/s':>10}{'capture fps':>13}{'room cores':>12}"
            print(header + f"{'baseline req/s':>16}{'baseline cores':>16}")
            worst_capture, least = 1e9, 1e9
            for pollers in POLLERS:
                rate, capture, cores = await run(frames, pollers, pid)
                base_rate, _, base_cores = await run(baseline, pollers, pid)
                worst_capture, least = min(worst_capture, capture), min(least, rate)
                print(f"{pollers:>7}{rate:>10.0f}{capture:>13.1f}{cores:>12.2f}{base_rate:>16.0f}{base_cores:>16.2f}")
            verdict = "meets" if least >= TARGET_JPEGS and worst_capture >= 28 else "MISSES"
            print(
                f"lowest rate {least:.0f} JPEGs/s, lowest capture rate {worst_capture:.1f} fps: {verdict} "
                f"the target ({TARGET_JPEGS:.0f} JPEGs/s with capture at 30 fps)"
            )
            await client.close()
        finally:
            room.stop()


if __name__ == "__main__":
    asyncio.run(main())
