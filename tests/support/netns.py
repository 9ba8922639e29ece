"""A network namespace of the test's own, removed afterwards; its processes are stopped by pid.

`browser_namespace()` adds what Chromium needs to make WebRTC candidates at all (it never uses
loopback addresses): a veth pair whose two ends are both inside the namespace, one end with
BROWSER_ADDRESS. Nothing links the namespace to the outside, so traffic to that address, like
everything else, stays in it.
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

BROWSER_ADDRESS = "192.0.2.2"  # TEST-NET-1 (RFC 5737): never routed anywhere
REPO_ROOT = Path(__file__).resolve().parents[2]


def _ip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10)


@contextlib.contextmanager
def browser_namespace() -> Iterator[str]:
    """A namespace with `lo` up and an in-namespace veth pair carrying BROWSER_ADDRESS."""
    if os.geteuid() != 0:
        pytest.skip("needs root: creates a network namespace")
    if shutil.which("ip") is None:
        pytest.skip("needs iproute2 (ip)")
    name = f"meetroom-js-{uuid.uuid4().hex[:8]}"
    made = _ip("netns", "add", name)
    if made.returncode != 0:
        pytest.skip(f"cannot create a network namespace: {made.stderr.strip()}")
    try:
        inside = ("netns", "exec", name, "ip")
        for step in (
            ("link", "set", "lo", "up"),
            ("link", "add", "mr0", "type", "veth", "peer", "name", "mr1"),
            ("addr", "add", f"{BROWSER_ADDRESS}/24", "dev", "mr0"),
            ("link", "set", "mr0", "up"),
            ("link", "set", "mr1", "up"),
        ):
            done = _ip(*inside, *step)
            if done.returncode != 0 and step[:2] == ("link", "add"):
                pytest.skip(f"cannot make a veth pair in the namespace: {done.stderr.strip()}")
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
