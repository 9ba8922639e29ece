"""A real `meetroom run` process, started on loopback and stopped by its pid."""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.ports import free_ports

READY_TIMEOUT = 20.0


def stop_by_pid(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM to the pid we started; SIGKILL if it has not exited after `grace` seconds."""
    if proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(5)


@dataclass
class RoomProcess:
    data_dir: Path
    args: list[str] = field(default_factory=list)
    fixed_ports: bool = True
    nofile: tuple[int, int] | None = None  # (soft, hard) RLIMIT_NOFILE for the room process
    proc: subprocess.Popen | None = None
    ws_port: int = 0
    http_port: int = 0
    config_path: str = ""
    output: list[str] = field(default_factory=list)
    _ready: threading.Event = field(default_factory=threading.Event)
    _exited: threading.Event = field(default_factory=threading.Event)

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "meetroom", "run", "--host", "127.0.0.1", "--data-dir", str(self.data_dir)]
        if self.fixed_ports and "--wsport" not in self.args:
            ws, http = free_ports(2)
            cmd += ["--wsport", str(ws), "--httpport", str(http)]
        return cmd + self.args

    def start(self) -> RoomProcess:
        self._ready.clear()
        self._exited.clear()
        self.output = []
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        nofile = self.nofile
        self.proc = subprocess.Popen(
            self.command(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            preexec_fn=(lambda: resource.setrlimit(resource.RLIMIT_NOFILE, nofile)) if nofile else None,
        )
        threading.Thread(target=self._pump, daemon=True).start()
        self._ready.wait(READY_TIMEOUT)
        if not self._ready.is_set():
            self.stop()
            raise RuntimeError("room did not become ready:\n" + "".join(self.output))
        return self

    def start_expecting_failure(self) -> int:
        """Start and wait for the process to exit; returns its exit code."""
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        proc = subprocess.run(self.command(), capture_output=True, text=True, env=env, timeout=READY_TIMEOUT)
        self.output = [proc.stdout + proc.stderr]
        return proc.returncode

    def _pump(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)
            if m := re.match(r"WebSocket API port: (\d+)", line):
                self.ws_port = int(m.group(1))
            elif m := re.match(r"HTTP server port: (\d+)", line):
                self.http_port = int(m.group(1))
            elif m := re.match(r"config.json: (.+)", line):
                self.config_path = m.group(1).strip()
            elif line.startswith("meetroom ready"):
                self._ready.set()
        self._exited.set()

    def wait_exit(self, timeout: float = 10.0) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    @property
    def text(self) -> str:
        return "".join(self.output)

    def stop(self) -> None:
        if self.proc is not None:
            stop_by_pid(self.proc)


def rss_bytes(pid: int) -> int:
    """A process's resident memory, from /proc (Linux), for the memory tests and benches."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for pid {pid}")
