"""Local devices: choice, mute, camera modes, rotation, crop, broadcast selfie and sound tests."""

from __future__ import annotations

import asyncio
from typing import Any

from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context

commands = CommandTable()
command = commands.command

DEVICE_PARAMS = {"name": ("string", True), "description": ("string", False)}
MAX_SELFIE_FPS = 30
DEFAULT_SELFIE_FPS = 5


@command("getHardware")
async def get_hardware(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    body = ctx.services.media.hardware()
    body["DSCaptureList"] = await asyncio.to_thread(ctx.services.meeting.content.entries)  # runs xwininfo
    return body


async def _select(ctx: Context, msg: dict[str, Any], kind: str) -> None:
    ctx.services.media.choose(kind, msg["name"], msg.get("description") or "")


@command("setVideoCapturer", params=DEVICE_PARAMS)
async def set_video_capturer(ctx: Context, msg: dict[str, Any]) -> None:
    await _select(ctx, msg, "camera")


@command("setAudioCapturer", params=DEVICE_PARAMS)
async def set_audio_capturer(ctx: Context, msg: dict[str, Any]) -> None:
    await _select(ctx, msg, "mic")


@command("setAudioRenderer", params=DEVICE_PARAMS)
async def set_audio_renderer(ctx: Context, msg: dict[str, Any]) -> None:
    await _select(ctx, msg, "speaker")


@command("setAppSndDev", params=DEVICE_PARAMS)
async def set_app_snd_dev(ctx: Context, msg: dict[str, Any]) -> None:
    await _select(ctx, msg, "appsnd")


@command("getAppSndDev")
async def get_app_snd_dev(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.services.media.app_sound_device()


# --- mute ---------------------------------------------------------------------------------
def _mute_commands(what: str, setter: str, getter: str) -> None:
    async def set_mute(ctx: Context, msg: dict[str, Any]) -> None:
        ctx.services.media.set_mute(what, msg["mute"])

    async def get_mute(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
        return {"mute": ctx.services.media.mutes[what]}

    command(setter)(set_mute)
    command(getter)(get_mute)


_mute_commands("mic", "setMicMute", "getMicMute")
_mute_commands("video", "setVideoMute", "getVideoMute")
_mute_commands("speaker", "setAudioMute", "getAudioMute")


# --- camera modes, rotation, crop -----------------------------------------------------------
@command("getModes")
async def get_modes(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.services.media.modes()


@command("setModes")
async def set_modes(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.media.set_mode(msg["pin"], msg["mode"])


@command("setOutputSelfVideoRotateAngle")
async def set_rotate_angle(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.media.set_rotation(msg["rotateAngle"])


@command("getOutputSelfVideoRotateAngle")
async def get_rotate_angle(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"outputSelfVideoRotateAngle": ctx.services.media.config.rotate}


@command("setCrop", params={"enabled": ("boolean", False), "enable": ("boolean", False)})
async def set_crop(ctx: Context, msg: dict[str, Any]) -> None:
    enabled = msg.get("enabled", msg.get("enable"))  # the C++ client names it 'enable'
    if enabled is None:
        raise CommandError("missing required parameter 'enabled' (boolean)")
    ctx.services.media.set_crop(enabled)


@command("getCrop")
async def get_crop(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"enabled": ctx.services.media.crop}


# --- broadcast selfie ------------------------------------------------------------------------
@command("setBroadcastSelfie")
async def set_broadcast_selfie(ctx: Context, msg: dict[str, Any]) -> None:
    enabled = msg["enabled"]
    fps = msg.get("fps")
    if fps is None:
        fps = DEFAULT_SELFIE_FPS
    if enabled and not 1 <= fps <= MAX_SELFIE_FPS:
        raise CommandError(f"fps must be between 1 and {MAX_SELFIE_FPS}")
    ctx.services.media.set_selfie(enabled, fps)


@command("getBroadcastSelfie")
async def get_broadcast_selfie(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return dict(ctx.services.media.selfie)


# --- sound tests -------------------------------------------------------------------------
@command("testAudioCapturerStart")
async def test_audio_capturer_start(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.sound_tests.start_level()


@command("testAudioCapturerStop")
async def test_audio_capturer_stop(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.sound_tests.stop_level()


@command("testAudioRenderer")
async def test_audio_renderer(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.sound_tests.play_tone()


@command("startAudioDelayDetectorTest")
async def start_audio_delay_test(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.sound_tests.start_delay()


@command("stopAudioDelayDetectorTest")
async def stop_audio_delay_test(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.sound_tests.stop_delay()


@command("getAudioDelayDetectorInfo")
async def get_audio_delay_info(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.services.sound_tests.delay_info()
