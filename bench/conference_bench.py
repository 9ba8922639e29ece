"""Group conferences on a real Prosody (loopback only): set-up, first frames, CPU per room, latency.

Starts `meetroom dev-server` and four `meetroom run --ice-host 127.0.0.1` processes at
640x360@15 (test pattern), logs them in, and measures in one run:

* the baseline: a 1:1 call between two of the rooms (call → both in appState 5, → first remote
  frame; CPU per room process while it is held);
* for 3 and 4 parties, `--rounds` times: createConference (autoAccept, every other room invited,
  each accepting on inviteReceived) → every room in appState 5, and → every room's /frames/
  serving every other participant's picture; then, over one conference held `--hold` seconds,
  the CPU per room process and the glass-to-glass latency of every leg into the owner (the
  pattern's sweeping bar is a clock: bench/call_bench.py `bar_time`).

    python bench/conference_bench.py [--rounds 5] [--hold 5]

Targets (issue 14): all connected in under 1 s with 4 parties; a room's CPU no more than (N-1)
times a 1:1 call's; glass-to-glass p50 under 100 ms. Not a test: it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from call_bench import cpu_seconds, first_frame, hang_up, latencies, one_call, online, pct, wait_state

from meetroom.client import RoomClient
from tests.support.process import RoomProcess
from tests.support.prosody import ProsodyServer, new_account

MODE = "640x360@15"


async def rooms_up(count: int, tmp: Path, server: ProsodyServer) -> tuple[list[RoomProcess], list[RoomClient]]:
    rooms = [RoomProcess(tmp / f"r{i}", ["--ice-host", "127.0.0.1"]).start() for i in range(count)]
    clients = []
    for i, room in enumerate(rooms):
        name, password = new_account(server, "cb")
        client = RoomClient("127.0.0.1", room.http_port)
        await client.connect()
        await client.auth()
        await client.call("setModes", pin="Test pattern", mode=MODE)
        await client.call("setSettings", settings={"displayName": f"Room {i}"})
        await online(client, server, name, password)
        client.login_id = f"{name}@localhost"  # type: ignore[attr-defined]
        clients.append(client)
    return rooms, clients


async def all_frames(
    http: aiohttp.ClientSession, rooms: list[RoomProcess], clients: list[RoomClient], fulls: dict
) -> float:
    """Until every room's /frames/ serves every other participant's picture."""
    waits = []
    for room, client in zip(rooms, clients, strict=True):
        for other in clients:
            if other is not client:
                waits.append(first_frame(http, room, client.http_token, fulls[other.login_id]))
    return max(await asyncio.wait_for(asyncio.gather(*waits), 20))


async def one_conference(http, rooms, clients) -> tuple[float, float, dict[str, str]]:
    owner, guests = clients[0], clients[1:]
    for c in clients:
        c.clear_events()

    async def answer(guest: RoomClient) -> None:
        await guest.wait_event("inviteReceived", timeout=10)
        await guest.call("accept")

    start = time.perf_counter()
    answering = [asyncio.ensure_future(answer(g)) for g in guests]
    reply = await owner.call(
        "createConference",
        title="bench",
        confType="symmetric",
        autoAccept=True,
        inviteList=[g.login_id for g in guests],
    )
    assert reply["result"], reply
    created = await owner.wait_event("conferenceCreated", timeout=10)
    await asyncio.gather(*answering)
    states = await asyncio.gather(*(wait_state(c, 5) for c in clients))
    connected = max(states) - start
    fulls = {owner.login_id: created["conferenceOwner"]}
    for _ in guests:
        accepted = await owner.wait_event("peerAccepted", timeout=15)
        fulls[accepted["peerId"].partition("/")[0]] = accepted["peerId"]
    frames = await all_frames(http, rooms, clients, fulls) - start
    return connected, frames, fulls


async def end_conference(clients: list[RoomClient]) -> None:
    await clients[0].call("hangUp", forAll=True)
    await asyncio.gather(*(wait_state(c, 3) for c in clients))


async def cpu_per_room(pids: list[int], hold: float) -> float:
    before = [cpu_seconds(p) for p in pids]
    await asyncio.sleep(hold)
    return statistics.mean((cpu_seconds(p) - c) / hold for p, c in zip(pids, before, strict=True))


def row(label: str, values: list[float], target: str = "") -> None:
    print(f"{label:<60} p50 {pct(values, 50) * 1000:7.1f} ms   max {max(values) * 1000:7.1f} ms   {target}")


async def main(rounds: int, hold: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = ProsodyServer(Path(tmp) / "prosody").start()
        rooms, clients = await rooms_up(4, Path(tmp), server)
        try:
            async with aiohttp.ClientSession() as http:
                # the 1:1 baseline, same rooms, same run
                a, b = clients[0], clients[1]
                setups, firsts = [], []
                for _ in range(rounds):
                    setup, frame, _peer = await one_call(a, b, rooms[0], http)
                    setups.append(setup)
                    firsts.append(frame)
                    await hang_up(a, b)
                idle = await cpu_per_room([r.proc.pid for r in rooms[:2]], hold)
                _s, _f, peer = await one_call(a, b, rooms[0], http)
                call_cpu = await cpu_per_room([r.proc.pid for r in rooms[:2]], hold)
                url = f"http://127.0.0.1:{rooms[0].http_port}/frames/?peerId={quote(peer)}&token={a.http_token}"
                call_glass = await latencies(http, url, 40)
                await hang_up(a, b)

                print(f"rooms at {MODE} (test pattern), one Prosody, loopback; {rounds} rounds each")
                row("1:1 call: call -> both in appState 5", setups)
                row("1:1 call: call -> first remote frame", firsts)
                row("1:1 call: glass-to-glass B -> A", call_glass)
                print(f"{'CPU per room, idle':<60} {idle * 100:6.1f} % of one core")
                print(f"{'CPU per room in a 1:1 call':<60} {call_cpu * 100:6.1f} % of one core")
                for parties in (3, 4):
                    sub_rooms, sub = rooms[:parties], clients[:parties]
                    connected, frames = [], []
                    for _ in range(rounds):
                        up, frame, _fulls = await one_conference(http, sub_rooms, sub)
                        connected.append(up)
                        frames.append(frame)
                        await end_conference(sub)
                    _u, _f, fulls = await one_conference(http, sub_rooms, sub)
                    cpu = await cpu_per_room([r.proc.pid for r in sub_rooms], hold)
                    glass: list[float] = []
                    owner = sub[0]
                    for guest in sub[1:]:
                        peer = quote(fulls[guest.login_id])
                        url = (
                            f"http://127.0.0.1:{sub_rooms[0].http_port}/frames/?peerId={peer}&token={owner.http_token}"
                        )
                        glass += await latencies(http, url, 30)
                    await end_conference(sub)
                    target = "target < 1000 ms" if parties == 4 else ""
                    row(f"{parties} parties: createConference -> all joined (appState 5)", connected)
                    row(f"{parties} parties: -> every room shows every other's frame", frames, target)
                    row(f"{parties} parties: glass-to-glass, each leg into the owner", glass, "target p50 < 100 ms")
                    limit = (parties - 1) * call_cpu
                    print(
                        f"{f'CPU per room, {parties} parties':<60} {cpu * 100:6.1f} % of one core"
                        f"   target <= {limit * 100:.1f} % ((N-1) x 1:1)"
                    )
        finally:
            for client in clients:
                await client.close()
            for room in rooms:
                room.stop()
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--hold", type=float, default=5.0)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.hold))
