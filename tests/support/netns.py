"""Network namespaces of a test's own with only `lo`; every process started in one is stopped by pid.

Two ways in. `browser_namespace` + `run_driver`: a named namespace (`ip netns`). Chromium's
WebRTC gathers candidates on every interface it sees, so the browser runs in there, where the only
interface is `lo`; it makes loopback candidates only when started with
`--allow-loopback-in-peer-connection` (LOOPBACK_WEBRTC_ARGS), and the room runs with
`--ice-host 127.0.0.1` as everywhere else.

`run_isolated`: a driver module in a fresh `unshare --net --mount` namespace, for NDI. NDI
discovers sources by mDNS multicast and listens on every address, so everything that touches NDI
runs in such a namespace (root only): no packet of it can leave. On Linux the NDI runtime does
mDNS through avahi-daemon over D-Bus; `Mdns` runs both daemons inside the namespace, on its
loopback only. The namespace ends with its last process.

A driver prints one JSON object per line; `{"pid": n}` records name the processes it starts, so
that they are killed by pid even if the driver dies (`{"stopped": n}` when it has ended one
itself, whose pid may be reused by then).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

BROWSER_ADDRESS = "127.0.0.1"  # the address the browser's and the room's ICE use
LOOPBACK_WEBRTC_ARGS = ["--allow-loopback-in-peer-connection"]  # else Chromium skips 127.0.0.0/8
REPO_ROOT = Path(__file__).resolve().parents[2]


def _ip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10)


@contextlib.contextmanager
def browser_namespace() -> Iterator[str]:
    """A namespace whose only interface is `lo`, up."""
    if os.geteuid() != 0:
        pytest.skip("needs root: creates a network namespace")
    if shutil.which("ip") is None:
        pytest.skip("needs iproute2 (ip)")
    name = f"meetroom-js-{uuid.uuid4().hex[:8]}"
    made = _ip("netns", "add", name)
    if made.returncode != 0:
        pytest.skip(f"cannot create a network namespace: {made.stderr.strip()}")
    try:
        done = _ip("netns", "exec", name, "ip", "link", "set", "lo", "up")
        assert done.returncode == 0, done.stderr
        yield name
    finally:
        _ip("netns", "del", name)


def run_driver(namespace: str, module: str, args: list[str], timeout: float) -> list[dict[str, Any]]:
    """Run `python -m module args` in the namespace; its JSON lines, after killing every pid it named."""
    command = ["ip", "netns", "exec", namespace, sys.executable, "-m", module, *args]
    proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        for pid in [*_descendants(proc.pid), proc.pid]:  # `ip netns exec` execs the driver: its pid
            _kill(pid)
        out, err = proc.communicate(timeout=10)
        err = "driver timed out\n" + err
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    for pid in [r["pid"] for r in records if "pid" in r]:
        _kill(pid)
    assert proc.returncode == 0, err[-4000:]
    return records


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (Playwright's node and Chromium under the driver), deepest first."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found = [*_descendants(int(child)), int(child), *found]
    return found


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


PRIVATE_DIRS = ("/run/dbus", "/run/avahi-daemon")  # the namespace's own system bus and avahi


def unavailable() -> str:
    """Why no namespace can be made here ('' when one can)."""
    if os.geteuid() != 0:
        return "needs root: makes a network namespace of its own (unshare --net)"
    for tool, package in (("unshare", "util-linux"), ("ip", "iproute2"), ("dbus-daemon", "dbus"), ("avahi-daemon", "")):
        if shutil.which(tool) is None:
            return f"needs {tool} (Debian package {package or tool})"
    return ""


AVAHI_CONF = """[server]
use-ipv4=yes
use-ipv6=no
allow-interfaces=lo
ratelimit-burst=1000
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
"""


class Mdns:
    """D-Bus and Avahi inside the namespace: the NDI runtime on Linux discovers through avahi-daemon.

    `run_isolated` gives the namespace its own /run/dbus and /run/avahi-daemon (tmpfs in a private
    mount namespace), so both daemons are the namespace's alone and vanish with it.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.procs: list[subprocess.Popen] = []
        self.output: list[str] = []

    def start(self, timeout: float = 10.0) -> list[int]:
        """Start both daemons; returns their pids once avahi has announced itself."""
        self.directory.mkdir(parents=True, exist_ok=True)
        conf = self.directory / "avahi-daemon.conf"
        conf.write_text(AVAHI_CONF)
        dbus = subprocess.Popen(
            ["dbus-daemon", "--system", "--nofork", "--nopidfile", "--print-address"],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.procs.append(dbus)
        assert dbus.stdout is not None
        dbus.stdout.readline()  # the bus address: the bus is up
        avahi = subprocess.Popen(
            ["avahi-daemon", "-f", str(conf), "--no-rlimits", "--no-chroot", "--no-proc-title"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.procs.append(avahi)
        ready = threading.Event()
        threading.Thread(target=self._pump, args=(avahi, ready), daemon=True).start()
        if not ready.wait(timeout):
            raise RuntimeError("avahi-daemon did not start:\n" + "".join(self.output))
        return [p.pid for p in self.procs]

    def _pump(self, proc: subprocess.Popen, ready: threading.Event) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.output.append(line)
            if "Server startup complete" in line:
                ready.set()

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)


@dataclass
class Run:
    records: list[dict[str, Any]]  # the JSON lines of stdout
    stdout: str
    stderr: str
    code: int


def run_isolated(module: str, args: list[str], timeout: float) -> Run:
    """Run `python -m module args` in a fresh namespace, wait for it, and kill what it reported."""
    inner = shlex.join([sys.executable, "-m", module, *args])
    private = " && ".join(f"mkdir -p {d} && mount -t tmpfs tmpfs {d}" for d in PRIVATE_DIRS)
    # unshare execs sh, which execs the driver: the pid we get is the driver's
    command = ["unshare", "--net", "--mount", "sh", "-c", f"ip link set lo up && {private} && exec {inner}"]
    proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc.pid)
        out, err = proc.communicate(timeout=10)
        err = f"driver timed out after {timeout:g} s\n" + err
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    stopped = {r["stopped"] for r in records if "stopped" in r}  # the driver ended these itself
    for pid in [r["pid"] for r in records if "pid" in r and r["pid"] not in stopped]:
        _kill(pid)
    return Run(records, out, err, proc.returncode)
