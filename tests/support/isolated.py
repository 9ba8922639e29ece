"""Run a driver module inside a network namespace of its own, with only `lo` up, and read its JSON lines.

NDI discovers sources by mDNS multicast and listens on every address, so everything that
touches NDI runs in such a namespace (`unshare --net --mount`, root only): no packet of it can
leave. On Linux the NDI runtime does mDNS through avahi-daemon over D-Bus; `Mdns` runs both
daemons inside the namespace, on its loopback only.
The namespace ends with its last process. A driver prints one JSON object per line; `{"pid": n}`
records name the processes it starts, so that they are killed by pid even if the driver dies
(`{"stopped": n}` when it has ended one itself, whose pid may be reused by then).
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
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


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


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
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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
