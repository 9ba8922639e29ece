"""What the main screen costs and how fast it follows the room.

Starts a real room (loopback, free ports) and Debian's Chromium (headless, via Playwright), then
prints each figure beside a baseline measured in the same run:

- CPU of the meetroom process and of Chromium (all its processes) while the screen is idle
  without self view, idle with the self-view tile (live frames), against no screen page at all
  and an about:blank page;
- frames drawn per second in the self-view slot, against what a plain HTTP loop fetching
  /frames/ gets;
- delay from a notification to the page having painted the change (videoMatrixChanged and a
  widget switch), against the delay to a plain API client.

Run: python bench/screen_bench.py [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from meetroom.client import RoomClient  # noqa: E402
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.process import RoomProcess  # noqa: E402

PIN = "2468"
TICKS = os.sysconf("SC_CLK_TCK")


# --- CPU accounting from /proc -----------------------------------------------------------------
def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds used) of one process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def _tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (info := _stat(int(entry))) is not None:
            parents.setdefault(info[0], []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def _cpu(pids: list[int]) -> float:
    return sum(info[1] for pid in pids if (info := _stat(pid)) is not None)


def _browser_root(marker: str) -> int:
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if marker.encode() in b" ".join(cmdline) and b"--type=" not in b" ".join(cmdline):
            return int(entry)
    raise RuntimeError("Chromium's main process not found")


def cpu_percent(room_pid: int, browser_pid: int, seconds: float) -> tuple[float, float]:
    """Average CPU use (% of one core) of meetroom and of the whole Chromium tree."""
    browser = _tree(browser_pid)
    r0, b0, t0 = _cpu([room_pid]), _cpu(browser), time.monotonic()
    time.sleep(seconds)
    browser = _tree(browser_pid)  # renderers may come and go
    r1, b1, t1 = _cpu([room_pid]), _cpu(browser), time.monotonic()
    return 100 * (r1 - r0) / (t1 - t0), 100 * (b1 - b0) / (t1 - t0)


# --- an API client on a loop of its own ---------------------------------------------------------
class Api:
    def __init__(self, port: int) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.client = RoomClient("127.0.0.1", port)
        self.run(self.client.connect())
        self.run(self.client.auth(PIN))

    def run(self, coro, timeout: float = 30.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, method: str, **params):
        return self.run(self.client.call(method, **params))

    def wait_event(self, name: str):
        return self.run(self.client.wait_event(name, None, 10))


async def _fetch_rate(port: int, token: str, seconds: float) -> float:
    url = f"http://127.0.0.1:{port}/frames/"
    count, end = 0, time.monotonic() + seconds
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < end:
            async with http.get(url, params={"peerId": "#self:0", "token": token}) as resp:
                await resp.read()
                count += resp.status == 200
    return count / seconds


def _frames(page) -> int:
    return int(page.evaluate("Object.values(window.screenStats.frames).reduce((a, b) => a + b, 0)"))


def _delays(api: Api, page, event: str, change, rounds: int) -> tuple[list[float], list[float]]:
    """ms from sending the command to (the API client getting `event`, the page painting it)."""
    to_client, to_page = [], []
    for i in range(rounds):
        api.client.clear_events()
        before = page.evaluate(f"window.screenStats.paintAt[{event!r}] || 0")
        sent = time.time()
        change(i)
        api.wait_event(event)
        to_client.append(1000 * (time.time() - sent))
        deadline = time.monotonic() + 5
        while (painted := page.evaluate(f"window.screenStats.paintAt[{event!r}] || 0")) == before:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the page did not paint {event}")
            time.sleep(0.002)
        to_page.append(painted - 1000 * sent)
    return to_client, to_page


def _fmt(values: list[float]) -> str:
    return f"median {statistics.median(values):6.1f} ms, max {max(values):6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each CPU measurement")
    parser.add_argument("--rounds", type=int, default=20, help="notifications per latency figure")
    args = parser.parse_args()
    marker = f"--meetroom-bench={uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory() as data:
        room = RoomProcess(Path(data), ["--pin", PIN]).start()
        try:
            api = Api(room.http_port)
            base = f"http://127.0.0.1:{room.http_port}"
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, marker])
                browser_pid = _browser_root(marker)
                page = browser.new_page(viewport={"width": 1920, "height": 1080})
                page.goto("about:blank")
                time.sleep(2.0)  # let the browser's start-up work finish before the baseline
                room_pid = room.proc.pid
                print(f"meetroom pid {room_pid}, chromium pid {browser_pid}, {args.seconds:.0f} s per CPU figure")

                base_room, base_browser = cpu_percent(room_pid, browser_pid, args.seconds)
                print(f"baseline: no screen page     meetroom {base_room:5.1f} %   chromium {base_browser:5.1f} %")

                api.call("hideVideoSlot", callId="#self:0")
                page.goto(f"{base}/screen")
                page.wait_for_selector("body[data-ready='1']")
                idle_room, idle_browser = cpu_percent(room_pid, browser_pid, args.seconds)
                print(f"screen idle, no self view    meetroom {idle_room:5.1f} %   chromium {idle_browser:5.1f} %")

                api.call("showVideoSlot", callId="#self:0")
                time.sleep(1.0)
                first = _frames(page)
                started = time.monotonic()
                self_room, self_browser = cpu_percent(room_pid, browser_pid, args.seconds)
                fps = (_frames(page) - first) / (time.monotonic() - started)
                print(f"screen idle, self view tile  meetroom {self_room:5.1f} %   chromium {self_browser:5.1f} %")

                token = api.call("getTokenForHttpServer")["token"]
                raw = api.run(_fetch_rate(room.http_port, token, 3.0))
                print(f"self view drawn: {fps:5.1f} fps   (baseline: /frames/ answers {raw:6.1f} requests/s)")

                types = [1, 0]
                client_ms, page_ms = _delays(
                    api,
                    page,
                    "videoMatrixChanged",
                    lambda i: api.call("changeVideoMatrixType", matrixType=types[i % 2]),
                    args.rounds,
                )
                print(f"videoMatrixChanged -> API client  {_fmt(client_ms)}   (baseline)")
                print(f"videoMatrixChanged -> screen page {_fmt(page_ms)}   (painted)")
                client_ms, page_ms = _delays(
                    api,
                    page,
                    "settingsChanged",
                    lambda i: api.call("setSettings", settings={"showTime": i % 2 == 1}),
                    args.rounds,
                )
                print(f"widget switch -> API client       {_fmt(client_ms)}   (baseline)")
                print(f"widget switch -> screen page      {_fmt(page_ms)}   (painted)")
                browser.close()
            api.run(api.client.close())
        finally:
            room.stop()


if __name__ == "__main__":
    main()
