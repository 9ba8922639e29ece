"""On a really slow link the call adapts: the encoder's bitrate falls under the link rate and video keeps flowing.

The link is real: the test makes its own network namespace, runs tests/support/poor_link_driver.py
inside it (Prosody + two rooms on the namespace's 127.0.0.1, a call A → B), and the driver shapes
that namespace's loopback with a token bucket (`tc qdisc add dev lo root tbf`) mid-call. Nothing
outside the namespace is touched; the namespace and every process are removed in `finally`.
Needs root (namespaces, tc); skipped otherwise.
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
from pathlib import Path
from typing import Any

import pytest

RATE_KBIT = 600  # both directions share it: ~1.2 Mbit/s of calls squeezed into half that
DRIVER_TIMEOUT = 45.0


def _ip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10)


def _kill(pid: int) -> None:
    """SIGKILL a process this test started (via the driver), if it is still there."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _run_driver(namespace: str, scratch: Path) -> list[dict[str, Any]]:
    command = ["ip", "netns", "exec", namespace, sys.executable, "-m", "tests.support.poor_link_driver"]
    command += ["--dir", str(scratch), "--rate-kbit", str(RATE_KBIT), "--free-seconds", "4", "--limited-seconds", "20"]
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pids = [proc.pid]  # `ip netns exec` execs the driver, so this is the driver's pid
    try:
        out, err = proc.communicate(timeout=DRIVER_TIMEOUT)
    except subprocess.TimeoutExpired:
        _kill(proc.pid)
        out, err = proc.communicate(timeout=10)
        err = "driver timed out\n" + err
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    pids += [r["pid"] for r in records if "pid" in r]
    for pid in pids:
        _kill(pid)
    assert proc.returncode == 0, err[-3000:]
    return records


@pytest.fixture
def namespace() -> Any:
    if os.geteuid() != 0:
        pytest.skip("needs root: creates a network namespace and shapes its loopback with tc")
    if shutil.which("ip") is None or shutil.which("tc") is None:
        pytest.skip("needs iproute2 (ip, tc)")
    name = f"meetroom-link-{uuid.uuid4().hex[:8]}"
    made = _ip("netns", "add", name)
    if made.returncode != 0:
        pytest.skip(f"cannot create a network namespace: {made.stderr.strip()}")
    try:
        assert _ip("netns", "exec", name, "ip", "link", "set", "lo", "up").returncode == 0
        yield name
    finally:
        subprocess.run(
            ["ip", "netns", "exec", name, "tc", "qdisc", "del", "dev", "lo", "root"], capture_output=True, timeout=10
        )
        _ip("netns", "del", name)


def test_bitrate_adapts_to_a_slow_link_and_video_keeps_flowing(namespace: str, tmp_path: Path) -> None:
    records = _run_driver(namespace, tmp_path)
    samples = [r["sample"] for r in records if "sample" in r]
    free = [s for s in samples if s["phase"] == "free"]
    limited = [s for s in samples if s["phase"] == "limited"]
    logs = [r["log"] for r in records if "log" in r]
    context = json.dumps({"samples": samples, "logs": logs, "qdisc": [r.get("qdisc") for r in records]}, indent=1)

    # unconstrained, both rooms together offer more than the link will carry
    assert max(s["a_kbps"] for s in free) + max(s["b_kbps"] for s in free) > RATE_KBIT, context
    assert max(s["a_kbps"] for s in free) > RATE_KBIT // 2, context

    # once shaped, A's encoder follows the link: its target and its measured rate fall under
    # half the link rate (its share) within a bounded time, and it never goes over the link rate
    drop = next((s for s in limited if 0 < s["a_kbps"] <= RATE_KBIT // 2), None)
    assert drop is not None, context
    assert drop["t"] <= 15.0, context
    assert drop["a_encoder"]["target"] < RATE_KBIT // 2, context
    after = [s for s in limited if s["t"] >= drop["t"]]
    assert all(s["a_kbps"] < RATE_KBIT for s in after), context

    # and both pictures still arrive: at least 5 frames/s over the last 2 s (the driver's stop rule)
    last = limited[-1]
    earlier = [s for s in limited if s["t"] <= last["t"] - 2.0]
    assert earlier, context
    span = last["t"] - earlier[-1]["t"]
    for room in ("a", "b"):
        assert last[f"{room}_frames_in"] - earlier[-1][f"{room}_frames_in"] >= 5 * span, context
    done = next(r["done"] for r in records if "done" in r)
    assert done["in_call"] is True, context
