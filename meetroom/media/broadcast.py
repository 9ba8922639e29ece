"""The broadcast picture: an uploaded picture sent in place of the camera, announced as it changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from meetroom.core.appstate import AppStateMachine
from meetroom.core.events import Events
from meetroom.media.errors import MediaError
from meetroom.media.manager import Media


class BroadcastPicture:
    def __init__(self, media: Media, appstate: AppStateMachine, events: Events) -> None:
        self.media = media
        self.appstate = appstate
        self.events = events

    @property
    def running(self) -> bool:
        return bool(self.appstate.status.broadcast_picture.get("running"))

    def info(self) -> dict[str, Any]:
        """getBroadcastPicture: what is shown, or the empty fields while nothing is."""
        state = self.appstate.status.broadcast_picture
        if not state.get("running"):
            return {"running": False, "fileId": 0, "fileName": ""}
        return dict(state)

    def uses(self, file_id: int) -> str | None:
        """What the file is used as here, if anything (a file in use cannot be deleted)."""
        return "the broadcast picture" if self.appstate.status.broadcast_picture.get("fileId") == file_id else None

    def start(self, path: Path, file_id: int, file_name: str) -> None:
        self.media.show_picture(path)
        self._set({"running": True, "fileId": file_id, "fileName": file_name})

    def stop(self) -> None:
        if not self.running:
            raise MediaError("no picture is being broadcast")
        self.media.show_picture(None)
        self._set({"running": False})

    def _set(self, state: dict[str, Any]) -> None:
        self.appstate.update(broadcast_picture=state)
        # python-trueconf-room's filter waits for fileName and fileId even when the broadcast stops
        self.events.publish("broadcastPictureStateChanged", {"fileName": "", "fileId": 0, **state})
