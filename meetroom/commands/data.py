"""Named data containers a client can keep in the room (saveData/loadData/...)."""

from __future__ import annotations

from typing import Any

from meetroom.api.context import CommandContext
from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable

commands = CommandTable()
command = commands.command

NS = "containers"
MAX_NAME = 256
MAX_DATA = 1 << 20
MAX_CONTAINERS = 1000
FLAGS = ("def", "beg", "ate")  # overwrite, prepend, append


def _name(msg: dict[str, Any]) -> str:
    name = msg["containerName"]
    if not name or len(name) > MAX_NAME:
        raise CommandError(f"containerName must be 1 to {MAX_NAME} characters")
    return name


@command("saveData", params={"flags": ("string", False), "flag": ("string", False)})
async def save_data(ctx: CommandContext, msg: dict[str, Any]) -> None:
    store = ctx.room.store
    name = _name(msg)
    flag = msg.get("flags") or msg.get("flag") or "def"
    if flag not in FLAGS:
        raise CommandError("flags must be 'def' (overwrite), 'beg' (prepend) or 'ate' (append)")
    existing = store.get(NS, name)
    if existing is None and store.count(NS) >= MAX_CONTAINERS:
        raise CommandError(f"at most {MAX_CONTAINERS} containers can be saved")
    data = msg["data"]
    if flag == "beg" and existing is not None:
        data = data + existing
    elif flag == "ate" and existing is not None:
        data = existing + data
    if len(data) > MAX_DATA:
        raise CommandError(f"a container holds at most {MAX_DATA} characters")
    store.put(NS, name, data)
    ctx.room.bus.publish("dataSaved", {"containerName": name, "data": data, "flag": flag})


@command("loadData")
async def load_data(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    name = _name(msg)
    data = ctx.room.store.get(NS, name)
    if data is None:
        raise CommandError(f"no container named '{name}'")
    return {"containerName": name, "data": data}


@command("deleteData")
async def delete_data(ctx: CommandContext, msg: dict[str, Any]) -> None:
    name = _name(msg)
    if not ctx.room.store.delete(NS, name):
        raise CommandError(f"no container named '{name}'")
    ctx.room.bus.publish("dataDeleted", {"containerName": name})


@command("getAllUserContainersNames")
async def get_all_user_containers_names(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return {"containersNames": list(ctx.room.store.items(NS))}
