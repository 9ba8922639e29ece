"""A room at rest: start → config.json served, idle memory, and what /metrics and /health cost.

Beside the room, in the same run: `python -c pass` (the interpreter alone), the bare import of
meetroom's third-party dependencies (what any room pays before its own code), and the import of
meetroom.app; then the memory each part costs: the network side alone, with the media stack
(numpy, PyAV, Pillow, aiortc: what a room loads only at its first picture or call), and
meetroom.app. Each start is a fresh `meetroom run` process on free loopback ports with an empty
data directory; the clock starts at spawn and stops at the first 200 from config.json (the CPU
time the room process used by then is printed too: it holds still when the machine is loaded and
the wall time does not). Idle RSS
is read from /proc two seconds after ready, with nobody connected. The last room then serves its
first self-view frame (what the media stack's deferred import costs that request) before the
/metrics and /health scrapes. As many fresh rooms again are each met by a client that connects
the moment config.json is served and signs in: start → its first answer from the network side
(getLogin), which a room builds only once it listens.

Run: python bench/idle_bench.py [starts]
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import summary
from meetroom.client import RoomClient
from tests.support.ports import free_ports
from tests.support.process import rss_bytes

STARTS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
DEPENDENCIES = "aiohttp, slixmpp, cryptography, aiortc, aioice, av, numpy, PIL, prometheus_client"
SCRAPES = 200
NETWORK_SIDE = "aiohttp, slixmpp, cryptography.fernet"  # what a room needs before any call
MEDIA_STACK = "numpy, av, PIL.Image, aiortc"  # what only media needs: the part to load lazily


def rss_after(code: str) -> float:
    """MB resident in a fresh interpreter after running `code`."""
    probe = "import re;print(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"
    out = subprocess.run([sys.executable, "-c", f"{code}\n{probe}"], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def timed(code: str, runs: int = 5) -> tuple[float, float]:
    """Median wall time and median CPU time of `python -c code` in a fresh interpreter."""
    samples, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        samples.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(samples), statistics.median(cpu)


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=1) as reply:
            reply.read()
            return reply.status
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used: unlike wall time, steady on a loaded machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_start(data_dir: Path) -> tuple[float, float, int, subprocess.Popen, int]:
    """(seconds to config.json, CPU seconds the room used by then, idle RSS bytes, the process, its HTTP port)."""
    ws, http = free_ports(2)
    cmd = [sys.executable, "-m", "meetroom", "run", "--host", "127.0.0.1", "--wsport", str(ws)]
    cmd += ["--httpport", str(http), "--data-dir", str(data_dir)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{http}/public/default/config.json"
    while get(url) != 200:
        if proc.poll() is not None or time.perf_counter() - start > 30:
            raise SystemExit("the room did not start")
        time.sleep(0.005)
    served = time.perf_counter() - start
    cpu = cpu_seconds(proc.pid)
    time.sleep(2.0)
    return served, cpu, rss_bytes(proc.pid), proc, http


async def first_answers(data_dir: Path) -> tuple[float, float]:
    """Seconds from spawn to the answers a client gets that connects as soon as config.json is served.

    (auth answered, then getLogin answered): the network side answers getLogin, and the room
    builds it only once it listens, so a control panel that started the room waits that long.
    """
    import aiohttp

    ws, http = free_ports(2)
    cmd = [sys.executable, "-m", "meetroom", "run", "--host", "127.0.0.1", "--wsport", str(ws)]
    cmd += ["--httpport", str(http), "--data-dir", str(data_dir)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        async with aiohttp.ClientSession() as session:
            while True:
                if proc.poll() is not None or time.perf_counter() - start > 30:
                    raise SystemExit("the room did not start")
                try:
                    async with session.get(f"http://127.0.0.1:{http}/public/default/config.json") as reply:
                        if reply.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.005)
        client = RoomClient("127.0.0.1", http)
        await client.connect()
        assert (await client.auth())["result"] is True
        signed_in = time.perf_counter() - start
        assert (await client.call("getLogin"))["result"] is True
        took = time.perf_counter() - start
        await client.close()
        return signed_in, took
    finally:
        proc.terminate()
        proc.wait(10)


async def first_frame(http: int, pid: int) -> tuple[float, int]:
    """(seconds for the first self-view frame of an idle room, RSS bytes after it): the media stack loads then."""
    import aiohttp

    client = RoomClient("127.0.0.1", http)
    await client.connect()
    await client.auth()
    url = f"http://127.0.0.1:{http}/frames/?peerId=%23self%3A0&token={client.http_token}"
    async with aiohttp.ClientSession() as session:
        start = time.perf_counter()
        async with session.get(url) as reply:
            await reply.read()
            assert reply.status == 200, reply.status
        took = time.perf_counter() - start
    await client.close()
    return took, rss_bytes(pid)


async def scrape_costs(http: int) -> tuple[list[float], list[float]]:
    """Latencies of GET /metrics and GET /health (with a token), one request at a time."""
    import aiohttp

    client = RoomClient("127.0.0.1", http)
    await client.connect()
    await client.auth()
    token = client.http_token
    results: tuple[list[float], list[float]] = ([], [])
    async with aiohttp.ClientSession() as session:
        for path, out in (("/metrics", results[0]), ("/health", results[1])):
            for _ in range(SCRAPES if path == "/metrics" else SCRAPES // 4):
                start = time.perf_counter()
                async with session.get(f"http://127.0.0.1:{http}{path}?token={token}") as reply:
                    await reply.read()
                    assert reply.status == 200, reply.status
                out.append(time.perf_counter() - start)
    await client.close()
    return results


def main() -> None:
    bare = timed("pass")
    deps = timed(f"import {DEPENDENCIES}")
    app = timed("import meetroom.app")
    starts, cpus, rss = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(STARTS):
            served, cpu, memory, proc, http = one_start(Path(tmp) / f"room{index}")
            starts.append(served)
            cpus.append(cpu)
            rss.append(memory)
            if index == STARTS - 1:
                frame_took, frame_rss = asyncio.run(first_frame(http, proc.pid))
                metrics, health = asyncio.run(scrape_costs(http))
            proc.terminate()
            proc.wait(10)
        answers = [asyncio.run(first_answers(Path(tmp) / f"client{index}")) for index in range(STARTS)]
    print(f"python -c pass:                      {bare[0] * 1000:.0f} ms (CPU {bare[1] * 1000:.0f} ms)")
    print(f"import of the dependencies:         {deps[0] * 1000:.0f} ms (CPU {deps[1] * 1000:.0f} ms) ({DEPENDENCIES})")
    print(f"import meetroom.app:                 {app[0] * 1000:.0f} ms (CPU {app[1] * 1000:.0f} ms)")
    print(f"start -> config.json served, median: {statistics.median(starts) * 1000:.0f} ms  (of {STARTS})")
    print(f"  CPU the room used by then, median: {statistics.median(cpus) * 1000:.0f} ms")
    signed_in = statistics.median(a[0] for a in answers) * 1000
    login = statistics.median(a[1] for a in answers) * 1000
    print(f"start -> answers to a client at once: auth {signed_in:.0f} ms, getLogin {login:.0f} ms (medians)")
    print(f"idle RSS, median:                    {statistics.median(rss) / 1e6:.1f} MB")
    print(f"first /frames/ self view, then RSS: {frame_took * 1000:.0f} ms, {frame_rss / 1e6:.1f} MB")
    print(f"GET /metrics ({SCRAPES}):                  {summary(metrics)}")
    print(f"GET /health ({SCRAPES // 4}):                    {summary(health)}")
    print(f"RSS after python -c pass:            {rss_after('pass'):.1f} MB")
    print(f"RSS after import {NETWORK_SIDE}: {rss_after('import ' + NETWORK_SIDE):.1f} MB")
    both = f"import {NETWORK_SIDE}, {MEDIA_STACK}"
    print(f"RSS after that + {MEDIA_STACK}: {rss_after(both):.1f} MB")
    print(f"RSS after import meetroom.app:       {rss_after('import meetroom.app'):.1f} MB")


if __name__ == "__main__":
    main()
