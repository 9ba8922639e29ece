"""State, settings, system information, window and process control."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.api.session import ADMIN
from meetroom.calls.bitratelimits import video_limits_kbps
from meetroom.commands.services import Context
from meetroom.core.systeminfo import system_info

commands = CommandTable()
command = commands.command

log = logging.getLogger(__name__)

PERPETUAL_LICENCE_END = 253402300799  # 9999-12-31T23:59:59Z: a licence that does not expire


@command("getAppState")
async def get_app_state(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.services.appstate.snapshot()


@command("getSettings")
async def get_settings(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"settings": ctx.services.settings.as_list()}


@command("setSettings")
async def set_settings(ctx: Context, msg: dict[str, Any]) -> None:
    if not msg["settings"]:
        raise CommandError("'settings' is empty: give at least one name and value")
    ctx.services.settings.update(msg["settings"], as_admin=ctx.session.role == ADMIN)  # SettingError: result:false


@command("getSystemInfo")
async def get_system_info(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    services = ctx.services
    facts = services.room
    return system_info(facts.version, facts.account(), services.media.camera_info(), video_limits_kbps(), facts.service)


@command("getMonitorsInfo")
async def get_monitors_info(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.services.video_matrix.monitors.info(ctx.session.api_version)


@command("changeWindowState")
async def change_window_state(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.window.change(msg.get("windowState"), msg.get("stayOnTop"))


@command("getLicenseType")
async def get_license_type(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    # meetroom is open source: every feature is available, which the API calls premium (2), for ever.
    # The dates are optional in the docs, but python-trueconf-room's filter needs both fields.
    return {
        "value": 2,
        "product_id": f"meetroom-{ctx.services.room.product}-{ctx.services.room.instance}",
        "start_date": 0,
        "end_date": PERPETUAL_LICENCE_END,
    }


@command("fireMyEvent")
async def fire_my_event(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.bus.publish("myEvent", {"data": msg["data"]})


@command("shutdown")
async def shutdown(ctx: Context, msg: dict[str, Any]) -> None:
    # Reply first; the process stops once the reply is on its way.
    asyncio.get_running_loop().call_later(0.05, ctx.services.room.request_stop)


async def _run_power_command(ctx: Context, argv: tuple[str, ...], what: str) -> None:
    if not ctx.services.settings.get("systemPowerCommandsEnabled"):
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
async def reboot_system(ctx: Context, msg: dict[str, Any]) -> None:
    await _run_power_command(ctx, ctx.services.room.reboot_command, "reboot")


@command("shutdownSystem", params={"forAll": ("boolean", False)})  # the C++ client sends no forAll
async def shutdown_system(ctx: Context, msg: dict[str, Any]) -> None:
    await _run_power_command(ctx, ctx.services.room.poweroff_command, "power-off")
