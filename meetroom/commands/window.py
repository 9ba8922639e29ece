"""restoreWindow and showMainWindow: other spellings of changeWindowState, sharing its rules.

The window state itself (and windowStateChanged) belongs to changeWindowState in system.py;
these handlers only choose the values and hand them over.
"""

from __future__ import annotations

from typing import Any

from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context
from meetroom.commands.system import change_window_state

commands = CommandTable()
command = commands.command


@command("restoreWindow")
async def restore_window(ctx: Context, msg: dict[str, Any]) -> None:
    # Back to the last shown state (full screen or normal); nothing happens if already shown.
    await change_window_state(ctx, {"windowState": ctx.services.window.restore_state})


@command("showMainWindow")
async def show_main_window(ctx: Context, msg: dict[str, Any]) -> None:
    # The C++ client's name for the same request; both fields are required there.
    await change_window_state(ctx, {"windowState": msg["windowState"], "stayOnTop": msg["stayOnTop"]})
