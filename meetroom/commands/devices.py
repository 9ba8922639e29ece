"""Local devices: choice, mute, camera modes, rotation, crop, broadcast selfie and sound tests."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from meetroom.api.context import CommandContext
from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.app import Room
from meetroom.core.appstate import AppState
from meetroom.media import audio, soundtest

commands = CommandTable()
command = commands.command

DEVICE_PARAMS = {"name": ("string", True), "description": ("string", False)}
MAX_SELFIE_FPS = 30
DEFAULT_SELFIE_FPS = 5


def _publish_hardware(room: Room) -> None:
    room.bus.publish("hardwareChanged", room.media.hardware())


@command("getHardware")
async def get_hardware(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.room.media.hardware()


async def _select(ctx: CommandContext, msg: dict[str, Any], kind: str) -> bool:
    try:
        return ctx.room.media.select(kind, msg["name"], msg.get("description") or "")
    except ValueError as exc:
        raise CommandError(str(exc)) from None


@command("setVideoCapturer", params=DEVICE_PARAMS)
async def set_video_capturer(ctx: CommandContext, msg: dict[str, Any]) -> None:
    if await _select(ctx, msg, "camera"):
        _publish_hardware(ctx.room)
        ctx.room.bus.publish("deviceModesDone", ctx.room.media.modes())
        ctx.room.media.ptz_changed()


@command("setAudioCapturer", params=DEVICE_PARAMS)
async def set_audio_capturer(ctx: CommandContext, msg: dict[str, Any]) -> None:
    if await _select(ctx, msg, "mic"):
        _publish_hardware(ctx.room)


@command("setAudioRenderer", params=DEVICE_PARAMS)
async def set_audio_renderer(ctx: CommandContext, msg: dict[str, Any]) -> None:
    if await _select(ctx, msg, "speaker"):
        _publish_hardware(ctx.room)


def _app_sound_device(room: Room) -> dict[str, Any]:
    device = room.media.current("appsnd")
    return {"name": device.name, "description": device.description} if device else {"name": "", "description": ""}


@command("setAppSndDev", params=DEVICE_PARAMS)
async def set_app_snd_dev(ctx: CommandContext, msg: dict[str, Any]) -> None:
    if await _select(ctx, msg, "appsnd"):
        ctx.room.bus.publish("appSndDevChanged", _app_sound_device(ctx.room))


@command("getAppSndDev")
async def get_app_snd_dev(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return _app_sound_device(ctx.room)


# --- mute ---------------------------------------------------------------------------------
def _mute_commands(what: str, setter: str, getter: str, event: str) -> None:
    async def set_mute(ctx: CommandContext, msg: dict[str, Any]) -> None:
        if ctx.room.media.set_mute(what, msg["mute"]):
            ctx.room.bus.publish(event, {"mute": msg["mute"]})

    async def get_mute(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
        return {"mute": ctx.room.media.mutes[what]}

    command(setter)(set_mute)
    command(getter)(get_mute)


_mute_commands("mic", "setMicMute", "getMicMute", "audioCapturerMute")
_mute_commands("video", "setVideoMute", "getVideoMute", "videoCapturerMute")
_mute_commands("speaker", "setAudioMute", "getAudioMute", "audioRendererMute")


# --- camera modes, rotation, crop -----------------------------------------------------------
@command("getModes")
async def get_modes(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.room.media.modes()


@command("setModes")
async def set_modes(ctx: CommandContext, msg: dict[str, Any]) -> None:
    media = ctx.room.media
    if media.current("camera") is None:
        raise CommandError("no camera is selected")
    try:
        media.set_mode(msg["pin"], msg["mode"])
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    ctx.room.bus.publish("deviceModesDone", media.modes())
    ctx.room.bus.publish("updateCameraInfo", media.camera_info())


@command("setOutputSelfVideoRotateAngle")
async def set_rotate_angle(ctx: CommandContext, msg: dict[str, Any]) -> None:
    try:
        changed = ctx.room.media.set_rotation(msg["rotateAngle"])
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if changed:
        ctx.room.bus.publish("outputSelfVideoRotateAngleChanged", {"rotateAngle": msg["rotateAngle"]})


@command("getOutputSelfVideoRotateAngle")
async def get_rotate_angle(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return {"outputSelfVideoRotateAngle": ctx.room.media.config.rotate}


@command("setCrop", params={"enabled": ("boolean", False), "enable": ("boolean", False)})
async def set_crop(ctx: CommandContext, msg: dict[str, Any]) -> None:
    enabled = msg.get("enabled", msg.get("enable"))  # the C++ client names it 'enable'
    if enabled is None:
        raise CommandError("missing required parameter 'enabled' (boolean)")
    if ctx.room.media.set_crop(enabled):
        ctx.room.bus.publish("cropChanged", {"cropImageStatus": enabled})


@command("getCrop")
async def get_crop(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return {"enabled": ctx.room.media.crop}


# --- broadcast selfie ------------------------------------------------------------------------
@command("setBroadcastSelfie")
async def set_broadcast_selfie(ctx: CommandContext, msg: dict[str, Any]) -> None:
    enabled = msg["enabled"]
    fps = msg.get("fps")
    if fps is None:
        fps = DEFAULT_SELFIE_FPS
    if enabled and not 1 <= fps <= MAX_SELFIE_FPS:
        raise CommandError(f"fps must be between 1 and {MAX_SELFIE_FPS}")
    if ctx.room.media.set_selfie(enabled, fps):
        ctx.room.bus.publish("broadcastSelfieChanged", dict(ctx.room.media.selfie))


@command("getBroadcastSelfie")
async def get_broadcast_selfie(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return dict(ctx.room.media.selfie)


# --- sound tests -------------------------------------------------------------------------
def _in_call(room: Room) -> bool:
    return room.appstate.state in (AppState.WAIT, AppState.CONFERENCE, AppState.CLOSE)


def _running(room: Room, name: str) -> asyncio.Task | None:
    task = room.media.tests.get(name)
    return task if task is not None and not task.done() else None


def _refuse_in_call(room: Room, what: str) -> None:
    """Sound tests use the devices a call needs, so none may start during one."""
    if _in_call(room):
        raise CommandError(f"{what} is not available during a call")


def _check_startable(room: Room, name: str, what: str) -> None:
    _refuse_in_call(room, what)
    if _running(room, name):
        raise CommandError(f"{what} is already running")


async def _stop_test(room: Room, name: str, what: str) -> None:
    """Cancel the running test `name` and wait until its own cleanup has announced the end."""
    task = _running(room, name)
    if task is None:
        raise CommandError(f"{what} is not running")
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@command("testAudioCapturerStart")
async def test_audio_capturer_start(ctx: CommandContext, msg: dict[str, Any]) -> None:
    room = ctx.room
    _check_startable(room, "level", "the microphone test")
    read, close = room.media.microphone_reader()

    def report(lvl: float) -> None:
        room.bus.publish("testAudioCapturerLevel", {"lvl": lvl})

    async def run() -> None:
        try:
            await soundtest.run_level_test(read, lambda: room.media.mutes["mic"], report)
        finally:
            close()
            room.appstate.update(audio_capture_test=False)
            room.bus.publish("testAudioCapturerStateChanged", {"started": False})

    room.appstate.update(audio_capture_test=True)
    room.bus.publish("testAudioCapturerStateChanged", {"started": True})
    room.media.tests["level"] = asyncio.create_task(run(), name="mic-level-test")


@command("testAudioCapturerStop")
async def test_audio_capturer_stop(ctx: CommandContext, msg: dict[str, Any]) -> None:
    await _stop_test(ctx.room, "level", "the microphone test")


@command("testAudioRenderer")
async def test_audio_renderer(ctx: CommandContext, msg: dict[str, Any]) -> None:
    room = ctx.room
    _refuse_in_call(room, "the speaker test")
    if room.media.current("speaker") is None:
        raise CommandError("no speaker is selected")
    room.media.play(audio.tone(1.0))


DELAY_IDLE, DELAY_RUNNING, DELAY_FINISHED = 0, 1, 2
DELAY_STATE_NAMES = {DELAY_IDLE: "idle", DELAY_RUNNING: "running", DELAY_FINISHED: "finished"}


@command("startAudioDelayDetectorTest")
async def start_audio_delay_test(ctx: CommandContext, msg: dict[str, Any]) -> None:
    room = ctx.room
    _check_startable(room, "delay", "the audio delay test")
    read, close = room.media.microphone_reader()

    def announce(state: int, delay: int) -> None:
        room.media.delay_result = {"state": state, "delay": delay}
        room.bus.publish("audioDelayDetectorTestStateChanged", {"state": state, "delay": delay})

    async def run() -> None:
        try:
            delay = await soundtest.run_delay_test(read, room.media.play)
        except asyncio.CancelledError:
            announce(DELAY_IDLE, -1)
            raise
        finally:
            close()
        announce(DELAY_FINISHED, delay)

    announce(DELAY_RUNNING, -1)
    room.media.tests["delay"] = asyncio.create_task(run(), name="audio-delay-test")


@command("stopAudioDelayDetectorTest")
async def stop_audio_delay_test(ctx: CommandContext, msg: dict[str, Any]) -> None:
    await _stop_test(ctx.room, "delay", "the audio delay test")


@command("getAudioDelayDetectorInfo")
async def get_audio_delay_info(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    info = ctx.room.media.delay_result
    return {"state": DELAY_STATE_NAMES[info["state"]], "delay": info["delay"]}
