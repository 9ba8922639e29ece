"""Record every frame with an empty-filter handler while driving the library's own wrappers.

The handler is registered before the session opens so the auth reply is recorded too. Besides
the four automatic requests, the script sends every zero-argument `get*` wrapper of
`Methods` (all read-only) and a few state-changing commands whose notifications it awaits, then
audits each frame against the library's EVENT / METHOD_RESPONSE filters.
"""

from __future__ import annotations

import inspect

import trueconf_room
from _common import Recorder, audit, emit, events, params, replies, wait_until

p = params()
recorder = Recorder()
room = trueconf_room.VideoSDK(debug=False)
room.add_handler({}, recorder)
sent: list[dict] = []
queue_command = room.command


def command(message: dict) -> None:
    sent.append(message)
    queue_command(message)


room.command = command  # see what the wrappers put on the wire
room.open_session(ip=p["ip"], port=p["port"], pin=p.get("pin"))
ready = wait_until(room.isReady, 5.0)
methods = room.methods
for name, func in inspect.getmembers(methods, inspect.ismethod):
    if name.startswith("get") and not inspect.signature(func).parameters:
        func()
methods.fireMyEvent(p["nonce"])
methods.setSettings({"audioPlayLevel": 0.25})
methods.changeWindowState(2, True)
methods.saveData("interop", "hello", "def")
methods.loadData("interop")
methods.deleteData("interop")
methods.setUsedApiVersion("1")

automatic = ["auth", "getAppState", "getSettings", "getSystemInfo", "getMonitorsInfo"]
expected = automatic + [m["method"] for m in sent]


def all_answered(frames: list[dict]) -> bool:
    for method in set(expected):
        if len(replies(frames, method)) < expected.count(method):
            return False
    return bool(
        events(frames, "myEvent") and events(frames, "settingsChanged") and events(frames, "windowStateChanged")
    )


complete = recorder.wait_for(all_answered, 20.0)
frames = recorder.snapshot()
emit(
    {
        "ready": ready,
        "complete": complete,
        "sent": [m["method"] for m in sent],
        "expected": expected,
        "audit": audit(frames),
    }
)
room.close_session()
