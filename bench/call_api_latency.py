"""How responsive the control API stays during a call: getAppState round trips on room A while it
is idle (the baseline, same run) and while it holds a 640x360@30 call with room B.

    python bench/call_api_latency.py [--samples 1000] [--runs 3] [--pin] [--profile FILE]

Each run measures room A idle, then idle beside a call between rooms B and C (the machine's own
share: A does no media work, yet the call's load on the shared cores delays it), then in a call
with B; the figures are medians over the runs (one p99 on a shared machine moves by 2x from run
to run). The gap between "beside" and "in a call" is what A's own media costs its API. --profile
records room A with py-spy (if installed) during the first run's in-call samples, as raw stacks.

--pin puts room A and this client on the first CPU and Prosody, B and C on the others: the peer
off the room's cores, as on separate machines (a room's peer is another terminal). What is left
of "beside" then is the machine's own, and "in a call" is A's own media against its own API.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
from call_bench import each_thread, hang_up, one_call, pct, rooms_online

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


def split_cpus() -> tuple[set[int], set[int]]:
    """The first CPU for room A and the client, the others for everything else."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("--pin needs two CPUs at least")
    return {cpus[0]}, set(cpus[1:])


async def main(samples: int, runs: int, pin: bool, profile: str | None) -> None:
    figures = []
    if pin:
        own, others = split_cpus()
        os.sched_setaffinity(0, others)  # Prosody and the rooms inherit it; A is moved back below
    async with rooms_online("lat", 3) as (rooms, clients):
        a, b, c = clients
        if pin:
            each_thread(rooms[0].proc.pid, lambda tid: os.sched_setaffinity(tid, own))
            each_thread(os.getpid(), lambda tid: os.sched_setaffinity(tid, own))
        async with aiohttp.ClientSession() as http:
            for run in range(runs):
                idle = await round_trips(a, samples)
                await one_call(b, c, rooms[1], http)
                beside = await round_trips(a, samples)
                await hang_up(b, c)
                await one_call(a, b, rooms[0], http)
                spy = None
                if profile and run == 0 and shutil.which("py-spy"):
                    cmd = ["py-spy", "record", "-d", str(samples // 40 + 1), "-r", "200", "--format", "raw",
                           "-o", profile, "-p", str(rooms[0].proc.pid)]  # fmt: skip
                    spy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                busy = await round_trips(a, samples)
                if spy is not None:
                    spy.wait(60)
                await hang_up(a, b)
                figures.append((idle, beside, busy))
    placement = "A and the client on one CPU, Prosody, B and C on the others" if pin else "every process on every CPU"
    print(f"{placement}; getAppState on room A, {samples} spaced round trips:")
    print("idle (the baseline), idle beside a B-C call, in a 640x360@30 call with B")
    for run, (idle, beside, busy) in enumerate(figures, 1):
        print(f"run {run}: idle p50 {idle[0]:5.2f} p99 {idle[1]:5.2f} ms | beside p99 {beside[1]:5.2f} ms "
              f"| in a call p50 {busy[0]:5.2f} p99 {busy[1]:5.2f} ms | p99 {busy[1] / idle[1]:4.1f}x idle")  # fmt: skip
    idle_p99, beside_p99, busy_p99 = (statistics.median(run[phase][1] for run in figures) for phase in range(3))
    print(f"median of {runs} runs: idle p99 {idle_p99:.2f} ms, beside a call {beside_p99:.2f} ms "
          f"({beside_p99 / idle_p99:.1f}x), in a call {busy_p99:.2f} ms ({busy_p99 / idle_p99:.1f}x)")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000, help="round trips per phase (p99 of 200 is the 2nd worst)")
    parser.add_argument("--runs", type=int, default=3, help="idle / beside / in-call rounds over the same three rooms")
    parser.add_argument("--pin", action="store_true", help="keep Prosody, B and C off room A's CPU")
    parser.add_argument("--profile")
    args = parser.parse_args()
    asyncio.run(main(args.samples, args.runs, args.pin, args.profile))
