"""Two library sessions side by side; the first fires a custom event that both must receive.

Each session is opened with the library's own open_session(); the PINs (or none) come from the
test, so the room can give one of them administrator and the other user mode.
"""

from __future__ import annotations

import trueconf_room
from _common import emit, params, wait_until
from trueconf_room import consts

p = params()
sessions = [trueconf_room.open_session(ip=p["ip"], port=p["port"], pin=pin) for pin in p["pins"]]
received: list[list[dict]] = [[] for _ in sessions]
for room, inbox in zip(sessions, received, strict=True):
    room.add_handler(consts.EVENT[consts.EV_myEvent], inbox.append)
ready = [wait_until(room.isReady, 5.0) for room in sessions]
replies: list[dict] = []
sessions[0].add_handler(consts.METHOD_RESPONSE[consts.M_fireMyEvent], replies.append)
sessions[0].methods.fireMyEvent(p["data"])
delivered = wait_until(lambda: bool(replies) and all(inbox for inbox in received), 10.0)
emit({"ready": ready, "delivered": delivered, "reply": replies, "received": received})
for room in sessions:
    room.close_session()
