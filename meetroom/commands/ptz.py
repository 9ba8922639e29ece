"""Pan, tilt and zoom of the local camera (digital where it has no motor), and camera presets.

ptzUp/Down/Left/Right/ZoomInc/ZoomDec move one step at once and keep moving a step every
MOTION_INTERVAL until ptzStop (or the end of the range), the way a PTZ panel's press-and-hold
works; a single command without ptzStop therefore still moves the camera.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
from typing import Any

from meetroom.api.context import CommandContext
from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.app import Room
from meetroom.media.framestore import SELF
from meetroom.media.ptz import AXES, RANGES

commands = CommandTable()
command = commands.command

MOTION_INTERVAL = 0.15
PRESETS_NS = "media.presets"
MAX_PRESETS = 100
MAX_PREVIEW_BYTES = 256 * 1024


def _require_camera(room: Room) -> None:
    if room.media.current("camera") is None:
        raise CommandError("no camera is selected")


async def _stop_motion(room: Room) -> None:
    task = room.media.ptz_motion
    room.media.ptz_motion = None
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _start_motion(room: Room, axis: str, direction: int) -> None:
    _require_camera(room)
    await _stop_motion(room)
    media = room.media
    if media.position.step(axis, direction):
        media.ptz_changed()

    async def keep_moving() -> None:
        while True:
            await asyncio.sleep(MOTION_INTERVAL)
            if not media.position.step(axis, direction):
                return  # end of the range
            media.ptz_changed()

    media.ptz_motion = asyncio.create_task(keep_moving(), name=f"ptz-{axis}")


def _motion_command(name: str, axis: str, direction: int) -> None:
    async def handler(ctx: CommandContext, msg: dict[str, Any]) -> None:
        await _start_motion(ctx.room, axis, direction)

    command(name)(handler)


for _name, _axis, _direction in (
    ("ptzLeft", "pan", -1),
    ("ptzRight", "pan", 1),
    ("ptzUp", "tilt", 1),
    ("ptzDown", "tilt", -1),
    ("ptzZoomInc", "zoom", 1),
    ("ptzZoomDec", "zoom", -1),
):
    _motion_command(_name, _axis, _direction)


@command("ptzStop")
async def ptz_stop(ctx: CommandContext, msg: dict[str, Any]) -> None:
    await _stop_motion(ctx.room)


def _position_command(name: str, axis: str) -> None:
    async def handler(ctx: CommandContext, msg: dict[str, Any]) -> None:
        room = ctx.room
        _require_camera(room)
        rng = RANGES[axis]
        if not rng.minimum <= msg["pos"] <= rng.maximum:
            raise CommandError(f"pos must be between {rng.minimum} and {rng.maximum} for {axis}")
        await _stop_motion(room)
        if room.media.position.set(axis, msg["pos"]):
            room.media.ptz_changed()

    command(name, params={"pos": ("integer", True)})(handler)


_position_command("setPanPos", "pan")
_position_command("setTiltPos", "tilt")
_position_command("setZoomPos", "zoom")


@command("setPtzDefaults")
async def set_ptz_defaults(ctx: CommandContext, msg: dict[str, Any]) -> None:
    _require_camera(ctx.room)
    await _stop_motion(ctx.room)
    if ctx.room.media.position.reset():
        ctx.room.media.ptz_changed()


@command("getPtzControls")
async def get_ptz_controls(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.room.media.ptz_controls()


# --- presets ---------------------------------------------------------------------------------
def _axis_entry(value: Any, axis: str) -> dict[str, Any]:
    """A preset's {isPresent, value} object, checked."""
    if value is None:
        return {"isPresent": False}
    if not isinstance(value, dict) or not isinstance(value.get("isPresent", False), bool):
        raise CommandError(f"'{axis}' must be an object {{isPresent, value}}")
    if not value.get("isPresent"):
        return {"isPresent": False}
    number = value.get("value")
    rng = RANGES[axis]
    if not isinstance(number, int) or isinstance(number, bool) or not rng.minimum <= number <= rng.maximum:
        raise CommandError(f"'{axis}.value' must be an integer between {rng.minimum} and {rng.maximum}")
    return {"isPresent": True, "value": number}


def _preview(value: Any) -> str | None:
    if value is None or not isinstance(value, dict) or not value.get("isPresent"):
        return None
    data = value.get("value")
    try:
        raw = base64.b64decode(data, validate=True) if isinstance(data, str) else b""
    except (binascii.Error, ValueError):
        raw = b""
    if not raw or len(raw) > MAX_PREVIEW_BYTES:
        raise CommandError(f"'preview.value' must be a base64 JPEG of at most {MAX_PREVIEW_BYTES} bytes")
    return data


def _public(preset: dict[str, Any]) -> dict[str, Any]:
    """A preset as notifications and listings show it (the preview image itself stays stored)."""
    out = {k: v for k, v in preset.items() if k != "previewData"}
    out["preview"] = {"isPresent": preset.get("previewData") is not None}
    return out


def _from_message(room: Room, msg: dict[str, Any], preset_id: str) -> dict[str, Any]:
    name = msg["videoCapturerName"]
    description = msg.get("videoCapturerDescription") or ""
    known = [d for d in room.media.devices if d.kind == "camera" and name in (d.name, d.description)]
    if not description and known:
        description = known[0].description
    comport = msg.get("comPort") or ""
    if not isinstance(comport, str):
        raise CommandError("'comPort' must be a string")
    muted = msg.get("isMuted", False)
    if not isinstance(muted, bool):
        raise CommandError("'isMuted' must be a boolean")
    preset = {
        "presetId": preset_id,
        "videoCapturerName": name,
        "videoCapturerDescription": description,
        "isMuted": muted,
        "comPort": comport,
    }
    for axis in AXES:
        preset[axis] = _axis_entry(msg.get(axis), axis)
    preset["previewData"] = _preview(msg.get("preview"))
    return preset


def _from_current(room: Room, preset_id: str) -> dict[str, Any]:
    media = room.media
    camera = media.current("camera")
    if camera is None:
        raise CommandError("no camera is selected")
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
        from meetroom.media.framestore import encode_jpeg

        preset["previewData"] = base64.b64encode(encode_jpeg(latest[0][::4, ::4].copy(), 70)).decode()
    return preset


def _new_id(room: Room) -> str:
    if room.store.count(PRESETS_NS) >= MAX_PRESETS:
        raise CommandError(f"at most {MAX_PRESETS} camera presets can be stored")
    seq = int(room.store.get("media", "presetSeq", 0)) + 1
    room.store.put("media", "presetSeq", seq)
    return str(seq)


def _existing(room: Room, preset_id: Any) -> dict[str, Any]:
    preset = room.store.get(PRESETS_NS, str(preset_id))
    if preset is None:
        raise CommandError(f"no camera preset with id '{preset_id}'")
    return preset


def _save(room: Room, preset: dict[str, Any], event: str) -> dict[str, Any]:
    """Store the preset, announce it with `event` and return what clients see of it."""
    room.store.put(PRESETS_NS, preset["presetId"], preset)
    room.bus.publish(event, _public(preset))
    return _public(preset)


PRESET_ID = {"presetId": ("string|integer", True)}


@command("getAllVideoCapturerPresets")
async def get_all_presets(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    presets = sorted(ctx.room.store.items(PRESETS_NS).values(), key=lambda p: int(p["presetId"]))
    return {"presets": [_public(p) for p in presets]}


@command("addVideoCapturerPreset")
async def add_preset(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    preset = _from_message(ctx.room, msg, "")
    preset["presetId"] = _new_id(ctx.room)
    _save(ctx.room, preset, "videoCapturerPresetAdded")
    return {"presetId": preset["presetId"]}


@command("addPresetFromCurrentVideoCapturer")
async def add_preset_from_current(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    preset = _from_current(ctx.room, "")
    preset["presetId"] = _new_id(ctx.room)
    return _save(ctx.room, preset, "videoCapturerPresetAdded")


@command("updateVideoCapturerPreset", params=PRESET_ID)
async def update_preset(ctx: CommandContext, msg: dict[str, Any]) -> None:
    old = _existing(ctx.room, msg["presetId"])
    _save(ctx.room, _from_message(ctx.room, msg, old["presetId"]), "videoCapturerPresetUpdated")


@command("updatePresetFromCurrentVideoCapturer", params=PRESET_ID)
async def update_preset_from_current(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    old = _existing(ctx.room, msg["presetId"])
    return _save(ctx.room, _from_current(ctx.room, old["presetId"]), "videoCapturerPresetUpdated")


@command("removeVideoCapturerPreset", params=PRESET_ID)
async def remove_preset(ctx: CommandContext, msg: dict[str, Any]) -> None:
    preset = _existing(ctx.room, msg["presetId"])
    ctx.room.store.delete(PRESETS_NS, preset["presetId"])
    ctx.room.bus.publish("videoCapturerPresetRemoved", {"presetId": preset["presetId"]})


@command("applyVideoCapturerPreset", params=PRESET_ID)
async def apply_preset(ctx: CommandContext, msg: dict[str, Any]) -> None:
    room = ctx.room
    preset = _existing(room, msg["presetId"])
    media = room.media
    camera = next(
        (d for d in media.devices if d.kind == "camera" and d.description == preset["videoCapturerDescription"]),
        None,
    )
    if camera is None:
        raise CommandError(f"the preset's camera '{preset['videoCapturerName']}' is not connected")
    await _stop_motion(room)
    if media.select("camera", camera.name, camera.description):
        room.bus.publish("hardwareChanged", media.hardware())
    if media.set_mute("video", preset["isMuted"]):
        room.bus.publish("videoCapturerMute", {"mute": preset["isMuted"]})
    moved = False
    for axis in AXES:
        if preset[axis].get("isPresent"):
            moved = media.position.set(axis, preset[axis]["value"]) or moved
    if moved:
        media.ptz_changed()
    room.bus.publish("videoCapturerPresetApplied", _public(preset))
