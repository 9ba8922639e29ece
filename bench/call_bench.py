"""Call set-up between two real rooms on a real Prosody (loopback only), and CPU per call.

Starts `meetroom dev-server` and two `meetroom run --ice-host 127.0.0.1` processes, logs both in,
then places N calls A → B (B accepts at once on inviteReceived) and measures for each:

* set-up: `call` sent → both rooms reported appState 5 (media connected);
* first frame: `call` sent → A's /frames/ serves B's first decoded picture;

and, over one call held for a few seconds, the CPU time both room processes use (640x360@30
test pattern both ways) beside the same processes idle. The baseline printed beside set-up is
the same media stack without XMPP: two aiortc peer connections in this process, offer → connected.

Glass-to-glass latency: the test pattern's sweeping bar is a clock (its column is wall time
modulo 4 s, meetroom/media/pattern.py), so reading the bar's column out of B's picture as A's
/frames/ serves it gives the moment B drew that frame; now minus that is capture → encode →
RTP → decode → JPEG → HTTP. The baseline is the same reading of B's own self view (/frames/
#self:0 on B: capture → JPEG → HTTP, no call).

    python bench/call_bench.py [--calls 50] [--hold 5]

Targets (issue 5): set-up under 0.5 s, first frame under 1.5 s. Not a test: it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import quote

import aiohttp
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from meetroom.client import RoomClient
from meetroom.media.pattern import SWEEP_PERIOD, _background
from meetroom.media.rtc import IcePolicy, create_peer_connection
from tests.support.process import RoomProcess
from tests.support.prosody import ProsodyServer, new_account

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def baseline_setup(runs: int) -> list[float]:
    """Offer → connected for two in-process peer connections (no signalling server)."""
    from aiortc import AudioStreamTrack, RTCSessionDescription, VideoStreamTrack

    policy = IcePolicy(hosts=("127.0.0.1",))
    out = []
    for _ in range(runs):
        a, b = create_peer_connection(policy=policy), create_peer_connection(policy=policy)
        a.addTrack(AudioStreamTrack())
        a.addTrack(VideoStreamTrack())
        b.addTrack(AudioStreamTrack())
        b.addTrack(VideoStreamTrack())
        done = asyncio.Event()
        a.on("connectionstatechange", lambda pc=a, ev=done: pc.connectionState == "connected" and ev.set())
        start = time.perf_counter()
        await a.setLocalDescription(await a.createOffer())
        await b.setRemoteDescription(RTCSessionDescription(a.localDescription.sdp, "offer"))
        await b.setLocalDescription(await b.createAnswer())
        await a.setRemoteDescription(RTCSessionDescription(b.localDescription.sdp, "answer"))
        await asyncio.wait_for(done.wait(), 10)
        out.append(time.perf_counter() - start)
        await a.close()
        await b.close()
    return out


async def wait_state(client: RoomClient, state: int) -> float:
    await client.wait_event("appStateChanged", lambda e: e["appState"] == state, timeout=15)
    return time.perf_counter()


async def online(client: RoomClient, server: ProsodyServer, name: str, password: str) -> None:
    await client.call("connectToServer", server="127.0.0.1", port=server.port)
    await client.wait_event("serverConnected", timeout=10)
    await client.call("login", login=name, password=password)
    await client.wait_event("appStateChanged", lambda e: e["appState"] == 3, timeout=15)


async def first_frame(http: aiohttp.ClientSession, room: RoomProcess, token: str, peer: str) -> float:
    url = f"http://127.0.0.1:{room.http_port}/frames/?peerId={quote(peer)}&token={quote(token)}"
    while True:
        async with http.get(url) as resp:
            await resp.read()
            if resp.status == 200:
                return time.perf_counter()
        await asyncio.sleep(0.005)


def bar_time(jpeg: bytes) -> float:
    """Wall time modulo SWEEP_PERIOD at which the pattern in this picture was drawn."""
    frame = np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"), dtype=np.int16)
    height, width = frame.shape[:2]
    band, bar = max(12, height // 12), max(4, width // 160)
    rows = slice(height * 2 // 3 + 2, height - 2 * band)  # the grey ramp, below the bars, above the clock
    residual = np.abs(frame[rows] - _background(width, height)[rows]).sum(axis=(0, 2))
    x = float(np.argmax(np.convolve(residual, np.ones(bar), mode="valid")))
    return x / (width - bar) * SWEEP_PERIOD


async def latencies(http: aiohttp.ClientSession, url: str, samples: int) -> list[float]:
    """Each new picture at `url`: the time it was fetched minus the time it was drawn."""
    out, last = [], -1
    while len(out) < samples:
        async with http.get(url) as resp:
            body = await resp.read()
            fetched = time.time()
            seq = int(resp.headers.get("X-Frame-Seq", "0"))
        if resp.status == 200 and seq != last:
            last = seq
            out.append((fetched - bar_time(body)) % SWEEP_PERIOD)
        await asyncio.sleep(0.003)
    return out


async def one_call(a: RoomClient, b: RoomClient, room_a: RoomProcess, http: aiohttp.ClientSession) -> tuple:
    a.clear_events()
    b.clear_events()
    start = time.perf_counter()
    await a.call("call", peerId=b.login_id)
    await b.wait_event("inviteReceived", timeout=10)
    await b.call("accept")
    accepted = await a.wait_event("peerAccepted", timeout=15)
    frame_task = asyncio.ensure_future(first_frame(http, room_a, a.http_token, accepted["peerId"]))
    both = max(await asyncio.gather(wait_state(a, 5), wait_state(b, 5)))
    frame = await asyncio.wait_for(frame_task, 10)
    return both - start, frame - start, accepted["peerId"]


async def hang_up(a: RoomClient, b: RoomClient) -> None:
    await a.call("hangUp")
    await asyncio.gather(wait_state(a, 3), wait_state(b, 3))


CAP_KBPS = 150


async def capped_bitrate(client: RoomClient, kbps: int) -> int:
    """A's outgoing bitrate 4 s after its outputBandWidth is lowered mid-call (the setting is restored)."""
    old = next(s["value"] for s in (await client.call("getSettings"))["settings"] if s["name"] == "outputBandWidth")
    await client.call("setSettings", settings={"outputBandWidth": kbps})
    await asyncio.sleep(4.0)
    bitrate = (await client.call("getOutgoingBitrate"))["bitrate"]
    await client.call("setSettings", settings={"outputBandWidth": old})
    return bitrate


def each_thread(pid: int, change: Callable[[int], None]) -> None:
    """`change(tid)` for every thread `pid` has now; the threads it starts later inherit it."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(ProcessLookupError):  # a worker thread that ended meanwhile
            change(int(task.name))


@contextlib.asynccontextmanager
async def rooms_online(prefix: str, count: int = 2) -> AsyncIterator[tuple[list[RoomProcess], list[RoomClient]]]:
    """Prosody and `count` rooms (A, B, ...) at 640x360@30, logged in; all stopped by pid afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        server = ProsodyServer(Path(tmp) / "prosody").start()
        rooms = [RoomProcess(Path(tmp) / f"room{i}", ["--ice-host", "127.0.0.1"]).start() for i in range(count)]
        clients: list[RoomClient] = []
        try:
            for room in rooms:
                name, password = new_account(server, prefix)
                client = RoomClient("127.0.0.1", room.http_port)
                await client.connect()
                await client.auth()
                await client.call("setModes", pin="Test pattern", mode="640x360@30")
                await online(client, server, name, password)
                client.login_id = f"{name}@localhost"  # type: ignore[attr-defined]
                clients.append(client)
            yield rooms, clients
        finally:
            for client in clients:
                await client.close()
            for room in rooms:
                room.stop()
            server.stop()


async def main(calls: int, hold: float) -> None:
    async with rooms_online("bench") as (rooms, clients):
        a, b = clients
        base = await baseline_setup(min(calls, 20))
        setups, frames = [], []
        async with aiohttp.ClientSession() as http:
            for _ in range(calls):
                setup, frame, _peer = await one_call(a, b, rooms[0], http)
                setups.append(setup)
                frames.append(frame)
                await hang_up(a, b)
            # CPU: both processes idle, then during one call
            pids = [r.proc.pid for r in rooms]
            before = [cpu_seconds(p) for p in pids]
            await asyncio.sleep(hold)
            idle = sum(cpu_seconds(p) - c for p, c in zip(pids, before, strict=True)) / hold
            _s, _f, peer = await one_call(a, b, rooms[0], http)
            before = [cpu_seconds(p) for p in pids]
            await asyncio.sleep(hold)
            busy = sum(cpu_seconds(p) - c for p, c in zip(pids, before, strict=True)) / hold
            bitrate = (await a.call("getOutgoingBitrate"))["bitrate"]
            capped = await capped_bitrate(a, CAP_KBPS)
            remote_url = f"http://127.0.0.1:{rooms[0].http_port}/frames/?peerId={quote(peer)}&token={a.http_token}"
            own_url = f"http://127.0.0.1:{rooms[1].http_port}/frames/?peerId=%23self%3A0&token={b.http_token}"
            glass = await latencies(http, remote_url, 60)
            local = await latencies(http, own_url, 60)
            await hang_up(a, b)

        def row(label: str, values: list[float], target: str) -> None:
            p50, p99 = pct(values, 50) * 1000, pct(values, 99) * 1000
            print(f"{label:<46} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   {target}")

        print(f"{calls} calls between two rooms on one Prosody (loopback, 640x360@30 test pattern)")
        row("baseline: aiortc offer -> connected, in-process", base, "")
        row("call -> both rooms in appState 5", setups, "target < 500 ms")
        row("call -> first remote frame in /frames/", frames, "target < 1500 ms")
        row("baseline: B's self view via B's /frames/", local, "")
        row("glass-to-glass: B's pattern via A's /frames/", glass, "target < 200 ms")
        print(f"{'CPU, both room processes idle':<46} {idle * 100:6.1f} % of one core")
        print(f"{'CPU, both room processes in one call':<46} {busy * 100:6.1f} % of one core")
        print(f"{'outgoing bitrate A (getOutgoingBitrate)':<46} {bitrate} kbit/s")
        print(f"{f'  same, outputBandWidth={CAP_KBPS} set mid-call':<46} {capped} kbit/s   (baseline: line above)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--hold", type=float, default=5.0)
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.hold))
