"""A network namespace of the test's own with only `lo`, removed afterwards; its processes are stopped by pid.

Chromium's WebRTC gathers candidates on every interface it sees, so the browser runs in here,
where the only interface is `lo`. It makes loopback candidates only when started with
`--allow-loopback-in-peer-connection` (LOOPBACK_WEBRTC_ARGS); the room then runs with
`--ice-host 127.0.0.1` as everywhere else.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
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
