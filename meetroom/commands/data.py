"""Named data containers a client can keep in the room (saveData/loadData/...)."""

from __future__ import annotations

from typing import Any

from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context

commands = CommandTable()
command = commands.command


@command("saveData", params={"flags": ("string", False), "flag": ("string", False)})
async def save_data(ctx: Context, msg: dict[str, Any]) -> None:
    flag = msg.get("flags") or msg.get("flag") or "def"
    ctx.services.containers.save(msg["containerName"], msg["data"], flag)


@command("loadData")
async def load_data(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"containerName": msg["containerName"], "data": ctx.services.containers.load(msg["containerName"])}


@command("deleteData")
async def delete_data(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.containers.delete(msg["containerName"])


@command("getAllUserContainersNames")
async def get_all_user_containers_names(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"containersNames": ctx.services.containers.names()}
