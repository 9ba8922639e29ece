"""connectToServer + login through the library's own wrappers, the connect-to-server-and-login way.

Handlers are registered with the library's filters for serverConnected and login, so the
events only count when they carry every field those filters need.
"""

from __future__ import annotations

import threading

import trueconf_room
from _common import emit, params, wait_until
from trueconf_room import consts

p = params()
room = trueconf_room.VideoSDK(debug=False)
got: dict[str, dict] = {}
done = threading.Event()


def on_server_connected(message: dict) -> None:
    got["serverConnected"] = message
    room.methods.login(p["login"], p["password"], True)


def on_login(message: dict) -> None:
    got["login"] = message
    done.set()


room.add_handler(consts.EVENT[consts.EV_serverConnected], on_server_connected)
room.add_handler(consts.EVENT[consts.EV_login], on_login)
room.open_session(ip=p["ip"], port=p["port"], pin=p.get("pin"))
ready = wait_until(room.isReady, 5.0)
room.methods.connectToServer(p["server"], p["server_port"])
done.wait(20.0)
logged_in = wait_until(lambda: room.getAppState() == 3, 5.0)
emit({"ready": ready, "events": got, "app_state": room.getAppState(), "logged_in": logged_in})
room.close_session()
