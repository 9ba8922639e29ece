"""Managing the built-in HTTP server over the API."""

from __future__ import annotations

from typing import Any

from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context

commands = CommandTable()
command = commands.command


@command("getHttpServerSettings")
async def get_http_server_settings(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"settings": ctx.services.http_settings.as_list()}


@command("setHttpServerSettings", admin_only=True)
async def set_http_server_settings(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.http.change_settings(msg["settings"])


@command("getHttpServerState")
async def get_http_server_state(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"state": ctx.services.http.state}


@command("startHttpServer", admin_only=True)
async def start_http_server(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.http.start()


@command("stopHttpServer", admin_only=True)
async def stop_http_server(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.http.stop()
