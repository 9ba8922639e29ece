"""NDI: switching it on and off, and the NDI sources the room publishes (meetroom.media.ndi)."""

from __future__ import annotations

from typing import Any

from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context

commands = CommandTable()
command = commands.command


@command("setNDIState")
async def set_ndi_state(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.ndi.set_state(msg["enabled"])


@command("getNDIState")
async def get_ndi_state(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.services.ndi.state()


@command("createNDIDevice")
async def create_ndi_device(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.ndi.create(msg["deviceId"])


@command("deleteNDIDevice")
async def delete_ndi_device(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.ndi.delete(msg["deviceId"])


@command("getCreatedNDIDevices")
async def get_created_ndi_devices(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.services.ndi.created()
