"""Running as a systemd service: the generated unit passes systemd-analyze verify; a real room sends
READY=1, watchdog pings and STOPPING=1 to a NOTIFY_SOCKET this test listens on; getSystemInfo and the
web manager say that it runs as a service. No systemd runs here: nothing calls systemctl."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from meetroom.client import RoomClient
from meetroom.systemd.notify import ServiceNotifier, socket_address, watchdog_interval
from meetroom.systemd.unit import quote
from tests.support.browser import browser, context  # noqa: F401  (fixtures)
from tests.support.ports import free_ports

WATCHDOG_USEC = 1_000_000  # pings every 0.5 s


def install(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "meetroom", "service", "install", "--write-only", "--unit-dir", str(tmp_path), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


def verify(unit: Path, *, user: bool, runtime_dir: Path) -> subprocess.CompletedProcess:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is required (Debian package systemd)")
    scope = ["--user"] if user else []
    # a user manager needs a runtime directory even to verify; the container has no session
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime_dir))
    return subprocess.run(
        [analyze, *scope, "verify", "--man=no", str(unit)], capture_output=True, text=True, env=env, timeout=30
    )


def test_system_and_user_units_pass_systemd_analyze_verify(tmp_path):
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    system_dir, user_dir = tmp_path / "system", tmp_path / "user"
    done = install(system_dir, "--system", "--pin", "12 34%$x", "--ice-host", "127.0.0.1")
    assert done.returncode == 0, done.stderr
    unit = system_dir / "meetroom.service"
    text = unit.read_text()
    for line in (
        "Type=notify",
        "NotifyAccess=main",
        "WatchdogSec=30",
        "Restart=on-failure",
        "User=meetroom",
        "StateDirectory=meetroom",
        "WorkingDirectory=/var/lib/meetroom",
        "WantedBy=multi-user.target",
        f'ExecStart={sys.executable} -m meetroom run --data-dir /var/lib/meetroom --pin "12 34%%$$x" '
        "--ice-host 127.0.0.1",
    ):
        assert line in text.splitlines(), (line, text)
    checked = verify(unit, user=False, runtime_dir=runtime)
    assert checked.returncode == 0 and checked.stderr == "", checked.stderr  # warnings count as failures too

    done = install(user_dir, "--user", "-t", "lobby", "--httpport", "9000")
    assert done.returncode == 0, done.stderr
    unit = user_dir / "meetroom-lobby.service"
    text = unit.read_text()
    assert "User=" not in text and "WantedBy=default.target" in text
    assert "--data-dir %S/meetroom-lobby -t lobby --httpport 9000" in text
    checked = verify(unit, user=True, runtime_dir=runtime)
    assert checked.returncode == 0 and checked.stderr == "", checked.stderr


def test_a_broken_unit_is_caught_by_verify(tmp_path):
    """The check above can fail: a unit systemd cannot use is reported."""
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    assert install(tmp_path, "--system").returncode == 0
    unit = tmp_path / "meetroom.service"
    unit.write_text(unit.read_text().replace(sys.executable, "/nonexistent/python"))
    assert verify(unit, user=False, runtime_dir=runtime).returncode != 0


def test_install_refuses_bad_run_options_and_writes_nothing(tmp_path):
    done = install(tmp_path, "--system", "--wsport", "99999")
    assert done.returncode == 2 and "a port is 1..65535" in done.stderr
    assert list(tmp_path.iterdir()) == []
    status = subprocess.run(
        [sys.executable, "-m", "meetroom", "service", "status", "--user", "--unit-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert status.returncode == 3 and "not installed" in status.stdout
    assert install(tmp_path, "--user", "-t", "lobby").returncode == 0
    status = subprocess.run(
        [
            sys.executable,
            "-m",
            "meetroom",
            "service",
            "status",
            "--user",
            "--unit-dir",
            str(tmp_path),
            "-t",
            "lobby",
            "--pin",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert status.returncode != 0 and "takes no run options but -t NAME: --pin 1" in status.stderr


def test_exec_start_quoting():
    assert quote("--pin") == "--pin"
    assert quote("a b") == '"a b"'
    assert quote('say "hi"\\') == '"say \\"hi\\"\\\\"'
    assert quote("100%") == "100%%" and quote("$HOME") == '"$$HOME"'
    assert quote("") == '""'


class NotifyListener:
    """A datagram socket standing in for systemd's notification socket; records what arrives, with times."""

    def __init__(self, tmp_path: Path, abstract: bool) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            self.address = f"@meetroom-test-{uuid.uuid4().hex}"
        else:
            self.address = str(tmp_path / "notify.sock")
        self.sock.bind(socket_address(self.address))
        self.sock.settimeout(0.2)
        self.messages: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            self.messages.append((time.monotonic(), data.decode()))

    def wait_for(self, text: str, timeout: float = 20.0) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, message in list(self.messages):
                if text in message.split("\n"):
                    return at
            time.sleep(0.02)
        raise AssertionError(f"no {text} within {timeout} s; got {self.messages}")

    def count(self, text: str) -> int:
        return sum(text in m.split("\n") for _, m in self.messages)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.mark.parametrize("abstract", [True, False], ids=["abstract-socket", "path-socket"])
async def test_real_room_notifies_ready_watchdog_and_stopping(tmp_path, monkeypatch, room_factory, abstract):
    listener = NotifyListener(tmp_path, abstract)
    try:
        monkeypatch.setenv("NOTIFY_SOCKET", listener.address)
        monkeypatch.setenv("WATCHDOG_USEC", str(WATCHDOG_USEC))
        monkeypatch.setenv("INVOCATION_ID", uuid.uuid4().hex)
        monkeypatch.setenv("MEETROOM_UNIT", "meetroom.service")
        room = room_factory()  # returns once the room printed "meetroom ready"
        listener.wait_for("READY=1")
        # READY=1 means the API listens: a client connects and is answered at once
        client = RoomClient("127.0.0.1", room.http_port)
        await client.connect()
        await client.auth()
        info = await client.call("getSystemInfo")
        assert info["serviceInfo"] == {
            "runsAsService": True,
            "manager": "systemd",
            "unit": "meetroom.service",
            "watchdog": True,
        }
        (closed_port,) = free_ports(1)  # nothing listens: the room tries, then gives up
        assert (await client.call("connectToServer", server="127.0.0.1", port=closed_port))["result"] is True
        listener.wait_for("STATUS=connecting to the server", timeout=5)
        listener.wait_for("STATUS=no server", timeout=10)
        await client.close()
        before = listener.count("WATCHDOG=1")
        await asyncio.sleep(2.0)
        pings = [at for at, m in listener.messages if m == "WATCHDOG=1"]
        assert listener.count("WATCHDOG=1") - before >= 3, listener.messages  # 2 s / 0.5 s
        gaps = [b - a for a, b in itertools.pairwise(pings)]
        assert max(gaps) < WATCHDOG_USEC / 1e6, gaps  # always well inside the interval systemd enforces
        room.stop()
        assert room.proc.returncode == 0
        listener.wait_for("STOPPING=1", timeout=2)
    finally:
        listener.close()


async def test_pings_come_from_the_event_loop_so_a_stuck_loop_stops_them(tmp_path):
    listener = NotifyListener(tmp_path, abstract=True)
    try:
        env = {"NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "100000"}
        assert watchdog_interval(env) == 0.05
        assert watchdog_interval({**env, "WATCHDOG_PID": "1"}, pid=2) is None  # meant for another process
        notifier = ServiceNotifier(env)
        notifier.ready("testing")
        listener.wait_for("READY=1")
        await asyncio.sleep(0.3)
        stuck_at = time.monotonic()
        time.sleep(0.6)  # the loop is blocked: no ping may go out
        await asyncio.sleep(0.2)
        await notifier.stopping()
        listener.wait_for("STOPPING=1")
        pings = [at for at, m in listener.messages if m == "WATCHDOG=1"]
        assert not [at for at in pings if stuck_at + 0.15 < at < stuck_at + 0.55], pings  # margin: late reads
        assert len([at for at in pings if at < stuck_at]) >= 3
        assert any(at > stuck_at + 0.6 for at in pings)  # and resume once the loop runs again
        assert ServiceNotifier({}).active is False  # outside systemd nothing is sent
    finally:
        listener.close()


def test_web_manager_shows_that_the_room_runs_as_a_service(tmp_path, monkeypatch, room_factory, context):  # noqa: F811
    listener = NotifyListener(tmp_path, abstract=True)
    try:
        monkeypatch.setenv("NOTIFY_SOCKET", listener.address)
        monkeypatch.setenv("MEETROOM_UNIT", "meetroom.service")
        room = room_factory("--pin", "1234")
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{room.http_port}/")
        page.fill("#credentials", "1234")
        page.press("#credentials", "Enter")
        expect(page.locator("body")).to_have_attribute("data-ready", "admin")
        expect(page.locator("#sec-status .facts")).to_contain_text("systemd service meetroom.service")
        page.close()
    finally:
        listener.close()
