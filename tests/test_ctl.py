"""`meetroom ctl` and `meetroom api-coverage` from the shell."""

from __future__ import annotations

import json
import select
import subprocess
import sys

from meetroom.api.coverage import coverage_rows
from meetroom.commands import build_registry


def ctl(room, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "meetroom", "ctl", "--port", str(room.http_port), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


def test_ctl_sends_one_command_and_prints_the_reply(room):
    done = ctl(room, "setSettings", 'settings={"showTime": false}')
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["result"] is True
    state = ctl(room, "getSettings")
    values = {s["name"]: s["value"] for s in json.loads(state.stdout)["settings"]}
    assert values["showTime"] is False
    failed = ctl(room, "fireMyEvent", "data=5")
    assert failed.returncode == 1 and "must be string" in json.loads(failed.stdout)["error"]
    assert ctl(room, "fireMyEvent", "oops").returncode == 2


def test_ctl_with_pin_and_wrong_pin(room_factory):
    room = room_factory("--pin", "2468")
    assert ctl(room, "--pin", "2468", "clearTokens").returncode == 0
    wrong = ctl(room, "--pin", "1111", "clearTokens")
    assert wrong.returncode == 1 and json.loads(wrong.stdout)["resultCode"] == 3


def test_ctl_events_prints_notifications(room):
    cmd = [sys.executable, "-m", "meetroom", "ctl", "--port", str(room.http_port), "--role", "user", "--events"]
    watcher = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # The watcher is subscribed once it has been authorised; fire until it prints (bounded).
        for _ in range(50):
            ctl(room, "fireMyEvent", "data=ping")
            ready, _, _ = select.select([watcher.stdout], [], [], 0.2)
            if ready:
                break
        line = watcher.stdout.readline()
        assert json.loads(line) == {"method": "event", "event": "myEvent", "data": "ping"}
    finally:
        watcher.kill()
        watcher.wait(5)


def test_api_coverage_is_read_from_the_registry():
    out = subprocess.run([sys.executable, "-m", "meetroom", "api-coverage"], capture_output=True, text=True, timeout=30)
    rows = coverage_rows(build_registry())
    implemented = sum(1 for r in rows if r[1] and r[3])
    assert out.stdout.strip().endswith(f"{implemented} of 247 spec commands implemented")
    assert "+ getAppState" in out.stdout


def test_coverage_table_in_docs_is_current(tmp_path):
    """docs/api-coverage.md is generated from the registry; regenerate it when commands change."""
    from pathlib import Path

    fresh = tmp_path / "coverage.md"
    subprocess.run(
        [sys.executable, "-m", "meetroom", "api-coverage", "--markdown", str(fresh)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    committed = Path(__file__).resolve().parents[1] / "docs" / "api-coverage.md"
    assert committed.read_text() == fresh.read_text(), "run: meetroom api-coverage --markdown docs/api-coverage.md"
