"""Open a session the way every user of the library does: `trueconf_room.open_session(...)`.

Reports what the library itself concluded: readiness, the HTTP token, the application state and
the answers to the four requests it sends by itself after auth.
"""

from __future__ import annotations

import time

import trueconf_room
from _common import emit, params, wait_until

p = params()
started = time.monotonic()
room = trueconf_room.open_session(ip=p["ip"], port=p["port"], pin=p.get("pin"))
ready = wait_until(room.isReady, 5.0)
ready_after = time.monotonic() - started
infos_answered = wait_until(lambda: bool(room.systemInfo and room.settings and room.monitors_info), 5.0)
emit(
    {
        "ready": ready,
        "ready_after_s": round(ready_after, 3),
        "connected": room.isConnected(),
        "token": room.getTokenForHttpServer(),
        "app_state": room.getAppState(),
        "infos_answered": infos_answered,
        "systemInfo": room.systemInfo,
        "settings": room.settings,
        "monitors_info": room.monitors_info,
        "trueconf_id": room.TrueConfID(),
        "self_view_url": room.getSelfViewURL(),
        "ws_port": room.wsPort,
        "http_port": room.http_port,
    }
)
room.close_session()
