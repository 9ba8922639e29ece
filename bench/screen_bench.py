"""What the main screen costs and how fast it follows the room.

Starts a real room (loopback, free ports) and Debian's Chromium (headless, via Playwright), then
prints each figure beside a baseline measured in the same run:

- CPU of the meetroom process and of Chromium (all its processes) while the screen is idle
  without self view, idle with the self-view tile (live frames), against no screen page at all
  and an about:blank page;
- frames drawn per second in the self-view slot, against what a plain HTTP loop fetching
  /frames/ gets;
- delay from a notification to the page having painted the change (videoMatrixChanged and a
  widget switch), against the delay to a plain API client;
- a 2-party call (a real Prosody from `meetroom dev-server` and a second room, all on loopback):
  CPU of meetroom and Chromium while the screen shows the call, against the same call with no
  screen page and against the idle figures above; frames drawn per slot; and the delay from
  videoMatrixChanged to the new layout on screen (painted, and the re-appearing slot's first
  picture drawn).

Run: python bench/screen_bench.py [--seconds 8] [--no-call]
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
from tests.support.netroom import online  # noqa: E402
from tests.support.process import RoomProcess  # noqa: E402
from tests.support.prosody import ProsodyServer  # noqa: E402

PIN = "2468"
ICE = ["--ice-host", "127.0.0.1"]
ACCOUNTS = [("benchscreen", "bench-screen-1"), ("benchpeer", "bench-screen-2")]
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
    def __init__(self, port: int, pin: str | None = PIN) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.client = RoomClient("127.0.0.1", port)
        self.run(self.client.connect())
        self.run(self.client.auth(pin))

    def run(self, coro, timeout: float = 30.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, method: str, **params):
        return self.run(self.client.call(method, **params))

    def wait_event(self, name: str, timeout: float = 10):
        return self.run(self.client.wait_event(name, None, timeout), timeout + 5)


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


def _cpu_line(label: str, figures: tuple[float, float]) -> None:
    print(f"{label:<34} meetroom {figures[0]:5.1f} %   chromium {figures[1]:5.1f} %")


def _wait_page(page, script: str, what: str, timeout: float = 20.0) -> None:
    """Poll the page (its CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)


def _changed(page, script: str, before: float, what: str, timeout: float = 5.0) -> float:
    """The first value of `script` other than `before` (a page timestamp, ms)."""
    deadline = time.monotonic() + timeout
    while (value := page.evaluate(script)) == before:
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.002)
    return value


def idle_figures(api: Api, page, base: str, pids: tuple[int, int], args: argparse.Namespace) -> None:
    base_cpu = cpu_percent(*pids, args.seconds)
    _cpu_line("baseline: no screen page", base_cpu)

    api.call("hideVideoSlot", callId="#self:0")
    page.goto(f"{base}/screen")
    page.wait_for_selector("body[data-ready='1']")
    _cpu_line("screen idle, no self view", cpu_percent(*pids, args.seconds))

    api.call("showVideoSlot", callId="#self:0")
    time.sleep(1.0)
    first = _frames(page)
    started = time.monotonic()
    _cpu_line("screen idle, self view tile", cpu_percent(*pids, args.seconds))
    fps = (_frames(page) - first) / (time.monotonic() - started)

    token = api.call("getTokenForHttpServer")["token"]
    raw = api.run(_fetch_rate(int(base.rsplit(":", 1)[1]), token, 3.0))
    print(f"self view drawn: {fps:5.1f} fps   (baseline: /frames/ answers {raw:6.1f} requests/s)")

    types = [1, 0]
    change = lambda i: api.call("changeVideoMatrixType", matrixType=types[i % 2])  # noqa: E731
    client_ms, page_ms = _delays(api, page, "videoMatrixChanged", change, args.rounds)
    print(f"videoMatrixChanged -> API client  {_fmt(client_ms)}   (baseline)")
    print(f"videoMatrixChanged -> screen page {_fmt(page_ms)}   (painted)")
    client_ms, page_ms = _delays(
        api, page, "settingsChanged", lambda i: api.call("setSettings", settings={"showTime": i % 2 == 1}), args.rounds
    )
    print(f"widget switch -> API client       {_fmt(client_ms)}   (baseline)")
    print(f"widget switch -> screen page      {_fmt(page_ms)}   (painted)")


def _start_call(api: Api, peer: Api, server: ProsodyServer) -> str:
    """Both rooms log in; the peer calls the measured room, which answers. Returns the peer's id."""
    for client, (name, password) in ((api, ACCOUNTS[0]), (peer, ACCOUNTS[1])):
        client.run(online(client.client, server, name, password), 60)
    api.client.clear_events()
    assert peer.call("call", peerId=ACCOUNTS[0][0])["result"] is True
    api.wait_event("inviteReceived", 15)
    assert api.call("accept")["result"] is True
    api.wait_event("conferenceCreated", 20)
    layout = api.wait_event("videoMatrixChanged", 10)
    remote = [p["peerId"] for p in layout["participants"] if p["peerId"] != "#self:0"]
    return remote[0]


def _layout_delays(api: Api, page, remote: str, rounds: int) -> dict[str, list[float]]:
    """changeVideoMatrixType 1 -> 0 -> 1 ...: ms to the API client, to the painted layout, and (when
    the remote slot comes back) to its picture being drawn again and to its first fresh frame."""
    delays: dict[str, list[float]] = {"client": [], "painted": [], "picture": [], "fresh": []}
    fresh = f"window.screenStats.firstFrameAt[{remote!r}] || 0"
    for i in range(rounds):
        matrix_type = 0 if i % 2 == 0 else 1
        api.client.clear_events()
        before_paint = page.evaluate("window.screenStats.paintAt['videoMatrixChanged'] || 0")
        before_fresh = page.evaluate(fresh)
        before_shown = page.evaluate(f"window.screenStats.shownAt[{remote!r}] || 0")
        sent = time.time()
        api.call("changeVideoMatrixType", matrixType=matrix_type)
        api.wait_event("videoMatrixChanged")
        delays["client"].append(1000 * (time.time() - sent))
        painted = _changed(page, "window.screenStats.paintAt['videoMatrixChanged'] || 0", before_paint, "no paint")
        delays["painted"].append(painted - 1000 * sent)
        if matrix_type == 1:
            shown = _changed(page, f"window.screenStats.shownAt[{remote!r}] || 0", before_shown, "slot not shown")
            delays["picture"].append(shown - 1000 * sent)
            delays["fresh"].append(_changed(page, fresh, before_fresh, "remote slot got no new frame") - 1000 * sent)
        time.sleep(0.3)
    return delays


def call_figures(api: Api, page, base: str, pids: tuple[int, int], args: argparse.Namespace, data: Path) -> None:
    server = ProsodyServer(data / "prosody", users=ACCOUNTS).start()
    other = RoomProcess(data / "peer", ICE).start()
    try:
        peer = Api(other.http_port, pin=None)
        page.goto("about:blank")
        api.call("changeVideoMatrixType", matrixType=1)  # all equal: both parties on screen
        remote = _start_call(api, peer, server)
        time.sleep(2.0)  # media settles
        print(f"--- 2-party call with {remote}")
        _cpu_line("call, no screen page (baseline)", cpu_percent(*pids, args.seconds))

        page.goto(f"{base}/screen")
        page.wait_for_selector("body.in-call[data-ready='1']")
        _wait_page(page, "Object.values(window.screenStats.frames).filter((n) => n > 5).length >= 2", "no video")
        counts = page.evaluate("({...window.screenStats.frames})")
        started = time.monotonic()
        _cpu_line("call, screen showing it", cpu_percent(*pids, args.seconds))
        elapsed = time.monotonic() - started
        after = page.evaluate("({...window.screenStats.frames})")
        for slot in ("#self:0", remote):
            print(f"  slot {slot}: {(after[slot] - counts[slot]) / elapsed:5.1f} fps drawn")

        delays = _layout_delays(api, page, remote, args.rounds)
        print(f"call: videoMatrixChanged -> API client    {_fmt(delays['client'])}   (baseline)")
        print(f"call: videoMatrixChanged -> layout drawn  {_fmt(delays['painted'])}   (painted)")
        print(f"call: remote slot back, picture drawn     {_fmt(delays['picture'])}   (its last picture, kept)")
        print(f"call: remote slot back, first new frame   {_fmt(delays['fresh'])}")
        page.goto("about:blank")
        time.sleep(1.0)
        # the call's own cost drifts (bitrate adaptation, other load): its baseline is taken on both sides
        _cpu_line("call, no screen page (again)", cpu_percent(*pids, args.seconds))
        api.call("hangUp")
        api.wait_event("conferenceDeleted", 15)
        peer.run(peer.client.close())
    finally:
        other.stop()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each CPU measurement")
    parser.add_argument("--rounds", type=int, default=20, help="notifications per latency figure")
    parser.add_argument("--no-call", action="store_true", help="skip the 2-party call figures")
    args = parser.parse_args()
    marker = f"--meetroom-bench={uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory() as data:
        room = RoomProcess(Path(data) / "room", ["--pin", PIN, *ICE]).start()
        try:
            api = Api(room.http_port)
            base = f"http://127.0.0.1:{room.http_port}"
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, marker])
                browser_pid = _browser_root(marker)
                page = browser.new_page(viewport={"width": 1920, "height": 1080})
                page.goto("about:blank")
                time.sleep(2.0)  # let the browser's start-up work finish before the baseline
                pids = (room.proc.pid, browser_pid)
                print(f"meetroom pid {pids[0]}, chromium pid {pids[1]}, {args.seconds:.0f} s per CPU figure")
                idle_figures(api, page, base, pids, args)
                if not args.no_call:
                    call_figures(api, page, base, pids, args, Path(data))
                browser.close()
            api.run(api.client.close())
        finally:
            room.stop()


if __name__ == "__main__":
    main()
