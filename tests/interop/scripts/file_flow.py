"""A file from one room to another driven through the library's older file API: sendFile(fileId,
peerId) on the sender, receivedFileRequest (its filter) → acceptFile(id) on the receiver, then
fileStatus 3 and fileDownloadingProgress there, fileSent on the sender, all through the filters."""

from __future__ import annotations

import threading

import trueconf_room
from _common import emit, params, wait_until
from trueconf_room import consts

p = params()
sender = trueconf_room.VideoSDK(debug=False)
receiver = trueconf_room.VideoSDK(debug=False)
got: dict = {"progress": []}
received = threading.Event()


def on_request(message: dict) -> None:
    got["receivedFileRequest"] = message
    receiver.methods.acceptFile(message["id"])


def on_status(message: dict) -> None:
    if message["directionType"] == 0 and message["status"] == 3:
        got["fileStatus"] = message
        received.set()


receiver.add_handler(consts.EVENT[consts.EV_receivedFileRequest], on_request)
receiver.add_handler(consts.EVENT[consts.EV_fileStatus], on_status)
receiver.add_handler(consts.EVENT[consts.EV_fileDownloadingProgress], lambda m: got["progress"].append(m))
sender.add_handler(consts.EVENT[consts.EV_fileSent], lambda m: got.setdefault("fileSent", m))
sender.open_session(ip="127.0.0.1", port=p["sender_port"])
receiver.open_session(ip="127.0.0.1", port=p["receiver_port"])
ready = wait_until(lambda: sender.isReady() and receiver.isReady(), 5.0)
sender.methods.sendFile(p["file_id"], p["peer"])
received.wait(30.0)
sent = wait_until(lambda: "fileSent" in got, 15.0)
emit({"ready": ready, "received": received.is_set(), "sent": sent, "events": got})
sender.close_session()
receiver.close_session()
