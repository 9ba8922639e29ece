"""A call between two rooms driven through the library: call → 4 → 5 → conferenceCreated (its
filter) → the library's own getConferences → hangUp(True) → 3, and inviteReceived → accept."""

from __future__ import annotations

import threading

import trueconf_room
from _common import emit, params, wait_until
from trueconf_room import consts

p = params()
caller = trueconf_room.VideoSDK(debug=False)
callee = trueconf_room.VideoSDK(debug=False)
states: list[int] = []
got: dict[str, dict] = {}
created = threading.Event()


def on_state(message: dict) -> None:
    states.append(message["appState"])


def on_created(message: dict) -> None:
    got["conferenceCreated"] = message
    created.set()


def on_invite(message: dict) -> None:
    got["inviteReceived"] = message
    callee.methods.accept()


caller.add_handler(consts.EVENT[consts.EV_appStateChanged], on_state)
caller.add_handler(consts.EVENT[consts.EV_conferenceCreated], on_created)
callee.add_handler(consts.EVENT[consts.EV_inviteReceived], on_invite)
caller.open_session(ip="127.0.0.1", port=p["caller_port"])
callee.open_session(ip="127.0.0.1", port=p["callee_port"])
ready = wait_until(lambda: caller.isReady() and callee.isReady(), 5.0)
caller.methods.call(p["peer"])
created.wait(20.0)
conference = wait_until(lambda: caller.current_conference is not None, 5.0)
got["getConferences"] = caller.current_conference
caller.methods.hangUp(True)
idle = wait_until(lambda: caller.getAppState() == 3 and callee.getAppState() == 3, 10.0)
emit({"ready": ready, "states": states, "events": got, "conference": conference, "idle": idle})
caller.close_session()
callee.close_session()
