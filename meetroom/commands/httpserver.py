"""Managing the built-in HTTP server over the API."""

from __future__ import annotations

from typing import Any

from meetroom.api.context import CommandContext
from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.app import Room
from meetroom.web.http import RUNNING, STOPPED

commands = CommandTable()
command = commands.command


def _announce_state(room: Room) -> None:
    room.bus.publish("httpServerStateChanged", {"state": room.http.state})


@command("getHttpServerSettings")
async def get_http_server_settings(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return {"settings": ctx.room.http_settings.as_list()}


@command("setHttpServerSettings", admin_only=True)
async def set_http_server_settings(ctx: CommandContext, msg: dict[str, Any]) -> None:
    room = ctx.room
    try:
        checked = room.http_settings.validate(msg["settings"])
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if not checked:
        raise CommandError("'settings' is empty: give at least one name and value")
    for name in room.http_settings.change(checked):
        room.bus.publish("httpServerSettingChanged", room.http_settings.entry(name), admin_only=True)


@command("getHttpServerState")
async def get_http_server_state(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return {"state": ctx.room.http.state}


@command("startHttpServer", admin_only=True)
async def start_http_server(ctx: CommandContext, msg: dict[str, Any]) -> None:
    room = ctx.room
    if room.http.state == RUNNING:
        raise CommandError("the HTTP server is already running")
    applied = room.http_settings.apply_pending()
    try:
        await room.http.start(room.http_settings.port, fixed=True)
    except OSError as exc:
        raise CommandError(f"cannot start the HTTP server: {exc}") from None
    _announce_state(room)
    for name in applied:
        room.bus.publish("httpServerSettingChanged", room.http_settings.entry(name), admin_only=True)
    room.write_config()
    room.appstate.announce()


@command("stopHttpServer", admin_only=True)
async def stop_http_server(ctx: CommandContext, msg: dict[str, Any]) -> None:
    room = ctx.room
    if room.http.state == STOPPED:
        raise CommandError("the HTTP server is already stopped")
    await room.http.stop()
    _announce_state(room)
