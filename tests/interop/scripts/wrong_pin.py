"""A session with a wrong PIN that keeps sending commands, as the library does after a refusal.

Commands queued right after open_session() usually reach the room before the auth reply (the
library's queue ignores the session state); a second batch is sent after the refusal arrived.
Neither batch may be executed. Frames are recorded off the socket from the first one on.
"""

from __future__ import annotations

import trueconf_room
from _common import Recorder, emit, params, replies, tap_raw_frames, wait_until

p = params()
recorder = Recorder()
room = trueconf_room.VideoSDK(debug=False)
tap_raw_frames(room, recorder)
room.open_session(ip=p["ip"], port=p["port"], pin=p["pin"])


def send_batch(tag: str) -> None:
    room.methods.fireMyEvent(f"{p['nonce']}-{tag}")
    room.methods.setSettings({p["setting"]: p["value"]})
    room.methods.saveData(f"{p['nonce']}-{tag}", "intruder", "def")


send_batch("early")
refused = recorder.wait_for(lambda frames: bool(replies(frames, "auth")), 10.0)
closed_by_library = wait_until(lambda: not room.isConnected(), 2.0)
send_batch("late")
answered = recorder.wait_for(
    lambda frames: all(len(replies(frames, m)) >= 2 for m in ("fireMyEvent", "setSettings", "saveData")), 10.0
)
emit(
    {
        "refused": refused,
        "answered": answered,
        "connected": room.isConnected(),
        "ready": room.isReady(),
        "closed_by_library": closed_by_library,
        "token": room.getTokenForHttpServer(),
        "frames": recorder.snapshot(),
    }
)
