"""Camera presets: a stored camera choice, mute state and PTZ position to come back to.

The command module checks what a client sent; this service numbers, stores, applies and
announces the presets. A preset's preview picture is stored but never sent back.
"""

from __future__ import annotations

import base64
from typing import Any

from meetroom.core.events import Events
from meetroom.media.errors import MediaError
from meetroom.media.framestore import SELF, encode_jpeg
from meetroom.media.manager import Media
from meetroom.media.ptz import AXES
from meetroom.store.db import Store

PRESETS_NS = "media.presets"
MAX_PRESETS = 100


class PresetError(MediaError):
    """No such preset, too many of them, or its camera is absent."""


def public(preset: dict[str, Any]) -> dict[str, Any]:
    """A preset as notifications and listings show it (the preview image itself stays stored)."""
    out = {k: v for k, v in preset.items() if k != "previewData"}
    out["preview"] = {"isPresent": preset.get("previewData") is not None}
    return out


class CameraPresets:
    def __init__(self, store: Store, media: Media, events: Events) -> None:
        self.store = store
        self.media = media
        self.events = events

    def all(self) -> list[dict[str, Any]]:
        presets = sorted(self.store.items(PRESETS_NS).values(), key=lambda p: int(p["presetId"]))
        return [public(p) for p in presets]

    def get(self, preset_id: Any) -> dict[str, Any]:
        preset = self.store.get(PRESETS_NS, str(preset_id))
        if preset is None:
            raise PresetError(f"no camera preset with id '{preset_id}'")
        return preset

    def from_current(self, preset_id: str) -> dict[str, Any]:
        """A preset of what the camera does now, with a small preview of self view."""
        media = self.media
        camera = media.require_camera()
        preset: dict[str, Any] = {
            "presetId": preset_id,
            "videoCapturerName": camera.name,
            "videoCapturerDescription": camera.description,
            "isMuted": media.mutes["video"],
            "comPort": "",
        }
        for axis in AXES:
            preset[axis] = {"isPresent": True, "value": media.position.values[axis]}
        latest = media.frames.latest(SELF)
        preset["previewData"] = None
        if latest is not None:
            preset["previewData"] = base64.b64encode(encode_jpeg(latest[0][::4, ::4].copy(), 70)).decode()
        return preset

    def check_room(self) -> None:
        if self.store.count(PRESETS_NS) >= MAX_PRESETS:
            raise PresetError(f"at most {MAX_PRESETS} camera presets can be stored")

    def add(self, preset: dict[str, Any]) -> dict[str, Any]:
        """Number and store a new preset, announce it; returns what clients see of it."""
        self.check_room()
        seq = int(self.store.get("media", "presetSeq", 0)) + 1
        self.store.put("media", "presetSeq", seq)
        preset["presetId"] = str(seq)
        return self._save(preset, "videoCapturerPresetAdded")

    def update(self, preset: dict[str, Any]) -> dict[str, Any]:
        return self._save(preset, "videoCapturerPresetUpdated")

    def _save(self, preset: dict[str, Any], event: str) -> dict[str, Any]:
        self.store.put(PRESETS_NS, preset["presetId"], preset)
        self.events.publish(event, public(preset))
        return public(preset)

    def remove(self, preset_id: Any) -> None:
        preset = self.get(preset_id)
        self.store.delete(PRESETS_NS, preset["presetId"])
        self.events.publish("videoCapturerPresetRemoved", {"presetId": preset["presetId"]})

    async def apply(self, preset_id: Any) -> None:
        """Switch to the preset's camera, mute state and position; each change is announced."""
        preset = self.get(preset_id)
        media = self.media
        camera = next(
            (d for d in media.devices if d.kind == "camera" and d.description == preset["videoCapturerDescription"]),
            None,
        )
        if camera is None:
            raise PresetError(f"the preset's camera '{preset['videoCapturerName']}' is not connected")
        await media.stop_motion()
        media.select("camera", camera.name, camera.description)
        media.set_mute("video", preset["isMuted"])
        moved = False
        for axis in AXES:
            if preset[axis].get("isPresent"):
                moved = media.position.set(axis, preset[axis]["value"]) or moved
        if moved:
            media.ptz_changed()
        self.events.publish("videoCapturerPresetApplied", public(preset))
