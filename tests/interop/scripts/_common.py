"""Helpers shared by the interop scripts.

These scripts run inside `.venv-trueconf/` (python-trueconf-room 1.0.0 and its pinned
websocket-client 0.58), never in the project's environment. Each prints one JSON object as its
last stdout line; the pytest side asserts on it.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from trueconf_room import check_schema, consts

# Two filters in 1.0.0 can never match whatever a server sends (a key typed "peerDn:" and a
# filter value False compared as a string); they are library bugs, not server requirements.
BROKEN_FILTERS = {"currentUserDisplayNameChanged", "getAppSndDev"}


def params() -> dict[str, Any]:
    """The scenario's parameters, passed by the test as one JSON argument."""
    return json.loads(sys.argv[1])


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result, default=repr), flush=True)


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    """The library offers no waitable state, so poll it briefly up to a deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


class Recorder:
    """A catch-all handler (the empty filter `{}`) that keeps every frame in arrival order."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []
        self._cond = threading.Condition()

    def __call__(self, message: dict[str, Any]) -> None:
        with self._cond:
            self.frames.append(message)
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self.frames), timeout)

    def snapshot(self) -> list[dict[str, Any]]:
        with self._cond:
            return list(self.frames)


def tap_raw_frames(room: Any, recorder: Recorder) -> None:
    """Record frames as they come off the socket, before the library's own processing.

    Needed for a refused auth: the library raises while handling that reply, so its user
    handlers (even the empty filter) never see it.
    """
    process = room._VideoSDK__process_message

    def record_then_process(text: str) -> None:
        recorder(json.loads(text))
        process(text)

    room._VideoSDK__process_message = record_then_process


def replies(frames: list[dict[str, Any]], method: str) -> list[dict[str, Any]]:
    return [f for f in frames if f.get("method") == method and "event" not in f]


def events(frames: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [f for f in frames if f.get("event") == name]


def _filters_by_name() -> tuple[dict[str, dict], dict[str, dict]]:
    by_event = {f["event"]: f for f in consts.EVENT.values() if "event" in f}
    by_method = {f["method"]: f for f in consts.METHOD_RESPONSE.values() if "method" in f}
    return by_event, by_method


def audit(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Check each frame against the library's own filter for its name.

    Result per frame: the name, which filter applied ("event", "reply", "failure", or None when the
    library has no filter for that name), and whether the library's check_schema accepted it.
    """
    by_event, by_method = _filters_by_name()
    report = []
    for frame in frames:
        if "event" in frame:
            name = frame["event"]
            flt = None if name in BROKEN_FILTERS else by_event.get(name)
            kind = "event"
        else:
            name = frame.get("method")
            flt = None if name in BROKEN_FILTERS else by_method.get(name)
            kind = "reply"
            if frame.get("result") is False:
                # A refusal is read through the library's error filter, not the success filter.
                flt, kind = {"method": None, "result": None, "error": None}, "failure"
        report.append(
            {
                "name": name,
                "kind": kind if flt is not None else None,
                "ok": check_schema(flt, frame) if flt is not None else None,
                "frame": frame,
            }
        )
    return report
