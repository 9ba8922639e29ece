"""State, settings, system information, window and process control."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from meetroom.api.context import CommandContext
from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.api.session import ADMIN
from meetroom.core.systeminfo import system_info

commands = CommandTable()
command = commands.command

log = logging.getLogger(__name__)

WINDOW_STATES = (0, 1, 2, 3)  # hidden, minimised, maximised/full screen, normal
PERPETUAL_LICENCE_END = 253402300799  # 9999-12-31T23:59:59Z: a licence that does not expire


@command("getAppState")
async def get_app_state(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.room.appstate.snapshot()


@command("getSettings")
async def get_settings(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return {"settings": ctx.room.settings.as_list()}


@command("setSettings")
async def set_settings(ctx: CommandContext, msg: dict[str, Any]) -> None:
    if not msg["settings"]:
        raise CommandError("'settings' is empty: give at least one name and value")
    ctx.room.settings.update(msg["settings"], as_admin=ctx.session.role == ADMIN)  # SettingError: result:false


@command("getSystemInfo")
async def get_system_info(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return system_info(ctx.room)


@command("getMonitorsInfo")
async def get_monitors_info(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.room.video_matrix.monitors.info(ctx.session.api_version)


@command("changeWindowState")
async def change_window_state(ctx: CommandContext, msg: dict[str, Any]) -> None:
    window = dict(ctx.room.window)
    if "windowState" in msg:
        if msg["windowState"] not in WINDOW_STATES:
            raise CommandError(f"windowState must be one of {list(WINDOW_STATES)}")
        window["windowState"] = msg["windowState"]
    if "stayOnTop" in msg:
        window["stayOnTop"] = msg["stayOnTop"]
    if window != ctx.room.window:
        ctx.room.window = window
        ctx.room.bus.publish("windowStateChanged", window)


@command("getLicenseType")
async def get_license_type(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    # meetroom is open source: every feature is available, which the API calls premium (2), for ever.
    # The dates are optional in the docs, but python-trueconf-room's filter needs both fields.
    return {
        "value": 2,
        "product_id": f"meetroom-{ctx.room.options.product}-{ctx.room.options.instance}",
        "start_date": 0,
        "end_date": PERPETUAL_LICENCE_END,
    }


@command("fireMyEvent")
async def fire_my_event(ctx: CommandContext, msg: dict[str, Any]) -> None:
    ctx.room.bus.publish("myEvent", {"data": msg["data"]})


@command("shutdown")
async def shutdown(ctx: CommandContext, msg: dict[str, Any]) -> None:
    # Reply first; the process stops once the reply is on its way.
    asyncio.get_running_loop().call_later(0.05, ctx.room.request_stop)


async def _run_power_command(ctx: CommandContext, argv: list[str], what: str) -> None:
    if not ctx.room.settings.get("systemPowerCommandsEnabled"):
        raise CommandError(
            f"{what} of the machine is disabled; an administrator can enable it with the "
            "setting systemPowerCommandsEnabled"
        )
    try:
        proc = await asyncio.create_subprocess_exec(*argv)
    except OSError as exc:
        raise CommandError(f"cannot run {argv[0]}: {exc.strerror}") from None
    code = await proc.wait()
    if code != 0:
        raise CommandError(f"{' '.join(argv)} exited with status {code}")


@command("rebootSystem")
async def reboot_system(ctx: CommandContext, msg: dict[str, Any]) -> None:
    await _run_power_command(ctx, ctx.room.options.reboot_command, "reboot")


@command("shutdownSystem", params={"forAll": ("boolean", False)})  # the C++ client sends no forAll
async def shutdown_system(ctx: CommandContext, msg: dict[str, Any]) -> None:
    await _run_power_command(ctx, ctx.room.options.poweroff_command, "power-off")
