"""The main screen's pictures and widgets: background, logo, broadcast picture, info widgets."""

from __future__ import annotations

import asyncio
from typing import Any

from meetroom.api.context import CommandContext
from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.app import Room
from meetroom.commands.files import file_record
from meetroom.core.screensettings import LOGO_MODES
from meetroom.media import images
from meetroom.store.files import FileRecord

commands = CommandTable()
command = commands.command


async def _image_file(room: Room, value: Any) -> FileRecord:
    """An uploaded file that really is a picture."""
    record = file_record(room, value)
    try:
        await asyncio.to_thread(images.check_image, room.files.path(record.id))
    except images.NotAnImage as exc:
        raise CommandError(f"file {record.id} ({record.name}): {exc}") from None
    return record


def _announce_background(room: Room) -> None:
    room.bus.publish("backgroundImageChanged", room.screen_settings.background_info())


@command("setBackground", params={"fileId": ("integer|string", False)})
async def set_background(ctx: CommandContext, msg: dict[str, Any]) -> None:
    room = ctx.room
    file_id = None
    if msg.get("fileId") not in (None, ""):  # tcroom resets the background by leaving fileId out
        file_id = (await _image_file(room, msg["fileId"])).id
    if room.screen_settings.set_background(file_id):
        _announce_background(room)


@command("setDefaultBackground")
async def set_default_background(ctx: CommandContext, msg: dict[str, Any]) -> None:
    if ctx.room.screen_settings.set_background(None):
        _announce_background(ctx.room)


@command("getBackground")
async def get_background(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.room.screen_settings.background_info()


def _announce_logo(room: Room, custom_before: bool) -> None:
    info = room.screen_settings.logo_info()
    room.bus.publish("logoImageChanged", {"fileId": 0, "mode": 0, **info}, admin_only=True)
    if info["isCustomImage"] != custom_before:
        room.bus.publish("customLogoUsageChanged", {"use": info["isCustomImage"]}, admin_only=True)


@command("setLogo", params={"fileId": ("integer|string", True), "mode": ("integer", False)})
async def set_logo(ctx: CommandContext, msg: dict[str, Any]) -> None:
    room = ctx.room
    mode = msg.get("mode", 0)
    if mode not in LOGO_MODES:
        raise CommandError("mode must be 0 (scaled into 440x82, bottom left) or 1 (unscaled)")
    record = await _image_file(room, msg["fileId"])
    custom_before = room.screen_settings.logo is not None
    if room.screen_settings.set_logo(record.id, mode):
        _announce_logo(room, custom_before)


@command("setDefaultLogo")
async def set_default_logo(ctx: CommandContext, msg: dict[str, Any]) -> None:
    room = ctx.room
    custom_before = room.screen_settings.logo is not None
    if room.screen_settings.set_logo(None):
        _announce_logo(room, custom_before)


@command("getLogo")
async def get_logo(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.room.screen_settings.logo_info()


# --- broadcast picture -----------------------------------------------------------------------
def _set_broadcast(room: Room, state: dict[str, Any]) -> None:
    room.appstate.update(broadcast_picture=state)
    # python-trueconf-room's filter waits for fileName and fileId even when the broadcast stops
    room.bus.publish("broadcastPictureStateChanged", {"fileName": "", "fileId": 0, **state})


@command("startBroadcastPicture", params={"fileId": ("integer|string", True)})
async def start_broadcast_picture(ctx: CommandContext, msg: dict[str, Any]) -> None:
    room = ctx.room
    record = await _image_file(room, msg["fileId"])
    room.media.show_picture(room.files.path(record.id))
    _set_broadcast(room, {"running": True, "fileId": record.id, "fileName": record.name})


@command("stopBroadcastPicture")
async def stop_broadcast_picture(ctx: CommandContext, msg: dict[str, Any]) -> None:
    room = ctx.room
    if not room.appstate.status.broadcast_picture.get("running"):
        raise CommandError("no picture is being broadcast")
    room.media.show_picture(None)
    _set_broadcast(room, {"running": False})


@command("getBroadcastPicture")
async def get_broadcast_picture(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    state = ctx.room.appstate.status.broadcast_picture
    if not state.get("running"):
        return {"running": False, "fileId": 0, "fileName": ""}
    return dict(state)


# --- widgets ---------------------------------------------------------------------------------
@command("getInfoWidgetsState")
async def get_info_widgets_state(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.room.screen_settings.widgets()
