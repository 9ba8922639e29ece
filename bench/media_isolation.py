"""What the control API would gain with call media in a process of its own: room A's getAppState
round trips while A is idle and rooms B and C hold a 640x360@30 call beside it on the same cores.

    python bench/media_isolation.py [--samples 1000] [--runs 2]

Each run starts Prosody and three rooms, then measures A four times:

* quiet: nobody in a call (the baseline, same run);
* beside a call: B and C in a call at the normal priority — what A would see if its own media ran
  in another process at the API's priority;
* beside a lowered call: the same call with every thread of B and C five nice levels lower — what
  A would see with its media in a process at nice +5 (picture threads five below that);
* beside the lowest call: every thread of B and C at nice 19, the least the kernel can give them
  without SCHED_IDLE — what is left is the machine's (a VM's shared cores), no room design's.

Compare with bench/call_api_latency.py, where A's media shares A's process and event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
from call_api_latency import round_trips
from call_bench import each_thread, hang_up, one_call, rooms_online

LOWERED_BY = 5
LOWEST = 19
PHASES = ("quiet", "beside a call", "beside a lowered call", "beside the lowest call")


def lower_process(pid: int, by: int) -> None:
    """Every thread of `pid` `by` nice levels lower (threads it starts later inherit it)."""
    each_thread(
        pid, lambda tid: os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + by))
    )


async def one_run(samples: int) -> list[tuple[float, float]]:
    async with rooms_online("iso", 3) as (rooms, (a, b, c)):
        figures = [await round_trips(a, samples)]
        async with aiohttp.ClientSession() as http:
            await one_call(b, c, rooms[1], http)
            figures.append(await round_trips(a, samples))
            for room in rooms[1:]:
                lower_process(room.proc.pid, LOWERED_BY)
            figures.append(await round_trips(a, samples))
            for room in rooms[1:]:
                lower_process(room.proc.pid, LOWEST)
            figures.append(await round_trips(a, samples))
            await hang_up(b, c)
        return figures


async def main(samples: int, runs: int) -> None:
    results = [await one_run(samples) for _ in range(runs)]
    print(f"getAppState on room A (idle), {samples} spaced round trips per phase, {runs} runs")
    quiet = statistics.median(r[0][1] for r in results)
    for i, phase in enumerate(PHASES):
        p50 = statistics.median(r[i][0] for r in results)
        p99s = [r[i][1] for r in results]
        p99 = statistics.median(p99s)
        runs_text = " ".join(f"{v:.2f}" for v in p99s)
        print(f"{phase:<24} p50 {p50:5.2f} ms   p99 {p99:5.2f} ms ({p99 / quiet:3.1f}x quiet; runs {runs_text})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(main(args.samples, args.runs))
