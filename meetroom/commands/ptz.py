"""Pan, tilt and zoom of the local camera (digital where it has no motor), and camera presets.

ptzUp/Down/Left/Right/ZoomInc/ZoomDec move one step at once and keep moving a step every
PTZ_MOTION_INTERVAL (media/manager.py) until ptzStop (or the end of the range), the way a PTZ
panel's press-and-hold works; a single command without ptzStop therefore still moves the camera.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context
from meetroom.media.ptz import AXES, RANGES

commands = CommandTable()
command = commands.command

MAX_PREVIEW_BYTES = 256 * 1024


def _motion_command(name: str, axis: str, direction: int) -> None:
    async def handler(ctx: Context, msg: dict[str, Any]) -> None:
        await ctx.services.media.start_motion(axis, direction)

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
async def ptz_stop(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.media.stop_motion()


def _position_command(name: str, axis: str) -> None:
    async def handler(ctx: Context, msg: dict[str, Any]) -> None:
        await ctx.services.media.set_ptz(axis, msg["pos"])

    command(name, params={"pos": ("integer", True)})(handler)


_position_command("setPanPos", "pan")
_position_command("setTiltPos", "tilt")
_position_command("setZoomPos", "zoom")


@command("setPtzDefaults")
async def set_ptz_defaults(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.media.reset_ptz()


@command("getPtzControls")
async def get_ptz_controls(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.services.media.ptz_controls()


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


def _from_message(ctx: Context, msg: dict[str, Any], preset_id: str) -> dict[str, Any]:
    name = msg["videoCapturerName"]
    description = msg.get("videoCapturerDescription") or ""
    known = [d for d in ctx.services.media.devices if d.kind == "camera" and name in (d.name, d.description)]
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


PRESET_ID = {"presetId": ("string|integer", True)}


@command("getAllVideoCapturerPresets")
async def get_all_presets(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"presets": ctx.services.presets.all()}


@command("addVideoCapturerPreset")
async def add_preset(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    preset = _from_message(ctx, msg, "")
    return {"presetId": ctx.services.presets.add(preset)["presetId"]}


@command("addPresetFromCurrentVideoCapturer")
async def add_preset_from_current(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.services.presets.add(ctx.services.presets.from_current(""))


@command("updateVideoCapturerPreset", params=PRESET_ID)
async def update_preset(ctx: Context, msg: dict[str, Any]) -> None:
    old = ctx.services.presets.get(msg["presetId"])
    ctx.services.presets.update(_from_message(ctx, msg, old["presetId"]))


@command("updatePresetFromCurrentVideoCapturer", params=PRESET_ID)
async def update_preset_from_current(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    old = ctx.services.presets.get(msg["presetId"])
    return ctx.services.presets.update(ctx.services.presets.from_current(old["presetId"]))


@command("removeVideoCapturerPreset", params=PRESET_ID)
async def remove_preset(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.presets.remove(msg["presetId"])


@command("applyVideoCapturerPreset", params=PRESET_ID)
async def apply_preset(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.presets.apply(msg["presetId"])
