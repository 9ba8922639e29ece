"""The local video layout: matrix type, hidden slots, slots on other monitors, current monitor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context
from meetroom.core.videolayout import VideoLayout

commands = CommandTable()
command = commands.command

MONITOR_INDEX = {"monitorIndex": ("integer|string", True)}  # the C++ client sends a string


def _index(value: Any) -> int:
    if isinstance(value, str):
        if not value.strip().isdigit():
            raise CommandError("monitorIndex must be a monitor index number")
        return int(value)
    return value


@command("getVideoMatrix")
async def get_video_matrix(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.services.layout.snapshot()


@command("changeVideoMatrixType")
async def change_video_matrix_type(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.layout.set_type(msg["matrixType"])


def _slot_command(name: str, action: Callable[..., None], *fields: str) -> None:
    """Register `name`: call the VideoLayout method `action` with the message's `fields`."""

    async def handler(ctx: Context, msg: dict[str, Any]) -> None:
        action(ctx.services.layout, *(msg[f] for f in fields))

    command(name)(handler)


_slot_command("hideVideoSlot", VideoLayout.hide, "callId")
_slot_command("showVideoSlot", VideoLayout.show, "callId")
_slot_command("swapVideoSlots", VideoLayout.swap, "callId1", "callId2")


@command("moveVideoSlotToMonitor", params={"callId": ("string", True), **MONITOR_INDEX})
async def move_video_slot_to_monitor(ctx: Context, msg: dict[str, Any]) -> None:
    index = _index(msg["monitorIndex"])
    ctx.services.layout.move_to_monitor(msg["callId"], index)


@command("removeVideoSlotFromMonitor", params=MONITOR_INDEX)
async def remove_video_slot_from_monitor(ctx: Context, msg: dict[str, Any]) -> None:
    index = _index(msg["monitorIndex"])
    ctx.services.layout.remove_from_monitor(index)


@command("changeCurrentMonitor", params=MONITOR_INDEX)
async def change_current_monitor(ctx: Context, msg: dict[str, Any]) -> None:
    index = _index(msg["monitorIndex"])
    ctx.services.layout.set_current_monitor(index)
