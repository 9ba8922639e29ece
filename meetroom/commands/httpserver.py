"""Managing the built-in HTTP server over the API."""

from __future__ import annotations

from typing import Any

from meetroom.api.context import CommandContext
from meetroom.api.registry import CommandTable

commands = CommandTable()
command = commands.command


@command("getHttpServerSettings")
async def get_http_server_settings(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return {"settings": ctx.room.http_settings.as_list()}


@command("setHttpServerSettings", admin_only=True)
async def set_http_server_settings(ctx: CommandContext, msg: dict[str, Any]) -> None:
    ctx.room.http_control.change_settings(msg["settings"])


@command("getHttpServerState")
async def get_http_server_state(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return {"state": ctx.room.http.state}


@command("startHttpServer", admin_only=True)
async def start_http_server(ctx: CommandContext, msg: dict[str, Any]) -> None:
    await ctx.room.http_control.start()


@command("stopHttpServer", admin_only=True)
async def stop_http_server(ctx: CommandContext, msg: dict[str, Any]) -> None:
    await ctx.room.http_control.stop()
