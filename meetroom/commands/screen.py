"""The main screen's pictures and widgets: background, logo, broadcast picture, info widgets."""

from __future__ import annotations

import asyncio
from typing import Any

from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.commands.files import file_record
from meetroom.commands.services import Context, RoomServices
from meetroom.core.screensettings import LOGO_MODES
from meetroom.media import images
from meetroom.store.files import FileRecord

commands = CommandTable()
command = commands.command


async def _image_file(services: RoomServices, value: Any) -> FileRecord:
    """An uploaded file that really is a picture."""
    record = file_record(services, value)
    try:
        await asyncio.to_thread(images.check_image, services.files.path(record.id))
    except images.NotAnImage as exc:
        raise CommandError(f"file {record.id} ({record.name}): {exc}") from None
    return record


@command("setBackground", params={"fileId": ("integer|string", False)})
async def set_background(ctx: Context, msg: dict[str, Any]) -> None:
    services = ctx.services
    file_id = None
    if msg.get("fileId") not in (None, ""):  # tcroom resets the background by leaving fileId out
        file_id = (await _image_file(services, msg["fileId"])).id
    services.screen_settings.set_background(file_id)


@command("setDefaultBackground")
async def set_default_background(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.screen_settings.set_background(None)


@command("getBackground")
async def get_background(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.services.screen_settings.background_info()


@command("setLogo", params={"fileId": ("integer|string", True), "mode": ("integer", False)})
async def set_logo(ctx: Context, msg: dict[str, Any]) -> None:
    services = ctx.services
    mode = msg.get("mode", 0)
    if mode not in LOGO_MODES:
        raise CommandError("mode must be 0 (scaled into 440x82, bottom left) or 1 (unscaled)")
    record = await _image_file(services, msg["fileId"])
    services.screen_settings.set_logo(record.id, mode)


@command("setDefaultLogo")
async def set_default_logo(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.screen_settings.set_logo(None)


@command("getLogo")
async def get_logo(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.services.screen_settings.logo_info()


# --- broadcast picture -----------------------------------------------------------------------
@command("startBroadcastPicture", params={"fileId": ("integer|string", True)})
async def start_broadcast_picture(ctx: Context, msg: dict[str, Any]) -> None:
    services = ctx.services
    record = await _image_file(services, msg["fileId"])
    services.broadcast.start(services.files.path(record.id), record.id, record.name)


@command("stopBroadcastPicture")
async def stop_broadcast_picture(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.broadcast.stop()


@command("getBroadcastPicture")
async def get_broadcast_picture(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.services.broadcast.info()


# --- widgets ---------------------------------------------------------------------------------
@command("getInfoWidgetsState")
async def get_info_widgets_state(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.services.screen_settings.widgets()
