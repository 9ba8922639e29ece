"""How responsive the control API stays during a call: getAppState round trips on room A while it
is idle (the baseline, same run) and while it holds a 640x360@30 call with room B.

    python bench/call_api_latency.py [--samples 200] [--profile FILE]

--profile records room A with py-spy (if installed) during the in-call samples, as raw stacks.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
from call_bench import hang_up, one_call, pct, two_rooms

from meetroom.client import RoomClient


async def round_trips(client: RoomClient, samples: int) -> tuple[float, float]:
    """p50 and p99 in ms; requests are spaced so the loop's own work shows, not queueing."""
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        await client.call("getAppState")
        times.append((time.perf_counter() - start) * 1000)
        await asyncio.sleep(0.01)
    return pct(times, 50), pct(times, 99)


async def main(samples: int, profile: str | None) -> None:
    async with two_rooms("lat") as (rooms, clients):
        a, b = clients
        idle = await round_trips(a, samples)
        async with aiohttp.ClientSession() as http:
            await one_call(a, b, rooms[0], http)
            spy = None
            if profile and shutil.which("py-spy"):
                cmd = ["py-spy", "record", "-d", str(samples // 40 + 1), "-r", "200", "--format", "raw",
                       "-o", profile, "-p", str(rooms[0].proc.pid)]  # fmt: skip
                spy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            busy = await round_trips(a, samples)
            if spy is not None:
                spy.wait(60)
            await hang_up(a, b)
        print(f"getAppState on room A, {samples} spaced round trips")
        print(f"{'idle (baseline)':<28} p50 {idle[0]:6.2f} ms   p99 {idle[1]:6.2f} ms")
        print(f"{'in a 640x360@30 call':<28} p50 {busy[0]:6.2f} ms   p99 {busy[1]:6.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--profile")
    args = parser.parse_args()
    asyncio.run(main(args.samples, args.profile))
