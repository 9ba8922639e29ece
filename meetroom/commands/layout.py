"""The local video layout: matrix type, hidden slots, slots on other monitors, current monitor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from meetroom.api.context import CommandContext
from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.app import Room
from meetroom.core.videomatrix import LayoutError, VideoMatrix

commands = CommandTable()
command = commands.command

MONITOR_INDEX = {"monitorIndex": ("integer|string", True)}  # the C++ client sends a string


def _announce(room: Room) -> None:
    room.bus.publish("videoMatrixChanged", room.video_matrix.snapshot())


def _index(value: Any) -> int:
    if isinstance(value, str):
        if not value.strip().isdigit():
            raise CommandError("monitorIndex must be a monitor index number")
        return int(value)
    return value


@command("getVideoMatrix")
async def get_video_matrix(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.room.video_matrix.snapshot()


@command("changeVideoMatrixType")
async def change_video_matrix_type(ctx: CommandContext, msg: dict[str, Any]) -> None:
    try:
        ctx.room.video_matrix.set_type(msg["matrixType"])
    except LayoutError as exc:
        raise CommandError(str(exc)) from None
    _announce(ctx.room)  # documented to answer with the layout even when the type stays


def _slot_command(name: str, action: Callable[..., bool], *fields: str) -> None:
    """Register `name`: call the VideoMatrix method `action` with the message's `fields`, announce a change."""

    async def handler(ctx: CommandContext, msg: dict[str, Any]) -> None:
        try:
            changed = action(ctx.room.video_matrix, *(msg[f] for f in fields))
        except LayoutError as exc:
            raise CommandError(str(exc)) from None
        if changed:
            _announce(ctx.room)

    command(name)(handler)


_slot_command("hideVideoSlot", VideoMatrix.hide, "callId")
_slot_command("showVideoSlot", VideoMatrix.show, "callId")
_slot_command("swapVideoSlots", VideoMatrix.swap, "callId1", "callId2")


@command("moveVideoSlotToMonitor", params={"callId": ("string", True), **MONITOR_INDEX})
async def move_video_slot_to_monitor(ctx: CommandContext, msg: dict[str, Any]) -> None:
    room = ctx.room
    matrix = room.video_matrix
    index = _index(msg["monitorIndex"])
    try:
        matrix.move_to_monitor(msg["callId"], index)
    except LayoutError as exc:
        raise CommandError(str(exc)) from None
    slot = matrix.slot(msg["callId"])
    room.bus.publish(
        "videoSlotMovedToMonitor", {"callId": slot.id, "peerDn": matrix.name_of(slot), **matrix.monitor_fields(index)}
    )
    _announce(room)


@command("removeVideoSlotFromMonitor", params=MONITOR_INDEX)
async def remove_video_slot_from_monitor(ctx: CommandContext, msg: dict[str, Any]) -> None:
    room = ctx.room
    index = _index(msg["monitorIndex"])
    try:
        slot_id = room.video_matrix.remove_from_monitor(index)
    except LayoutError as exc:
        raise CommandError(str(exc)) from None
    room.bus.publish("videoSlotRemovedFromMonitor", {"callId": slot_id, **room.video_matrix.monitor_fields(index)})
    _announce(room)


@command("changeCurrentMonitor", params=MONITOR_INDEX)
async def change_current_monitor(ctx: CommandContext, msg: dict[str, Any]) -> None:
    room = ctx.room
    try:
        changed = room.video_matrix.set_current_monitor(_index(msg["monitorIndex"]))
    except LayoutError as exc:
        raise CommandError(str(exc)) from None
    if changed:
        room.bus.publish("monitorsInfoUpdated", room.video_matrix.monitors.info("2"))
        _announce(room)
