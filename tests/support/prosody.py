"""A real Prosody started through `meetroom dev-server` on free loopback ports, stopped by pid."""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.ports import free_ports
from tests.support.process import stop_by_pid

READY_TIMEOUT = 20.0


@dataclass
class ProsodyServer:
    directory: Path
    domain: str = "localhost"
    users: list[tuple[str, str]] = field(default_factory=list)
    tls: bool = False
    upload_limit: int | None = None  # --upload-limit (None: the dev server's default)
    ice_services: list[str] = field(default_factory=list)  # "stun:HOST:PORT" (XEP-0215)
    c2s_ports: list[int] = field(default_factory=list)
    http_port: int = 0
    proc: subprocess.Popen | None = None
    output: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.c2s_ports:
            *self.c2s_ports, self.http_port = free_ports(3)

    @property
    def port(self) -> int:
        """The first client port (what tests pass to connectToServer)."""
        return self.c2s_ports[0]

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "meetroom", "dev-server", "--dir", str(self.directory), "--domain", self.domain]
        for port in self.c2s_ports:
            cmd += ["--c2s-port", str(port)]
        cmd += ["--http-port", str(self.http_port)]
        for name, password in self.users:
            cmd += ["--user", f"{name}:{password}"]
        if self.tls:
            cmd.append("--tls")
        if self.upload_limit is not None:
            cmd += ["--upload-limit", str(self.upload_limit)]
        for service in self.ice_services:
            cmd += ["--ice-service", service]
        return cmd

    @property
    def certificate(self) -> Path:
        return self.directory / "certs" / f"{self.domain}.crt"

    def start(self) -> ProsodyServer:
        self.output = []
        self.proc = subprocess.Popen(
            self.command(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL
        )
        threading.Thread(target=self._pump, args=(self.proc,), daemon=True).start()
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("dev-server exited:\n" + "".join(self.output))
            if all(_accepts(p) for p in self.c2s_ports):
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("dev-server did not listen in time:\n" + "".join(self.output))

    def _pump(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.output.append(line)

    def add_user(self, name: str, password: str) -> None:
        """Create an account while the server runs (prosodyctl with the generated config)."""
        subprocess.run(
            [
                "prosodyctl",
                "--config",
                str(self.directory / "prosody.cfg.lua"),
                "register",
                name,
                self.domain,
                password,
            ],
            check=True,
            capture_output=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        """SIGTERM to the pid we started (the dev-server process became Prosody by exec)."""
        if self.proc is not None:
            stop_by_pid(self.proc, grace=15)


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        try:
            sock.connect(("127.0.0.1", port))
            return True
        except OSError:
            return False


# --- fixtures and helpers for tests that need the network ----------------------------------
_names = itertools.count(1)


@pytest.fixture(scope="module")
def prosody(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProsodyServer]:
    """One real Prosody per test module; tests make their own accounts with `account()`."""
    server = ProsodyServer(tmp_path_factory.mktemp("prosody"))
    server.start()
    yield server
    server.stop()


def new_account(server: ProsodyServer, prefix: str = "u") -> tuple[str, str]:
    """A fresh account (name, password) on the running server."""
    name = f"{prefix}{next(_names)}{uuid.uuid4().hex[:6]}"
    password = uuid.uuid4().hex[:12]
    server.add_user(name, password)
    return name, password
