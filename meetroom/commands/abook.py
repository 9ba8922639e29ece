"""Address book (the XMPP roster), groups, the block list and contact details."""

from __future__ import annotations

from typing import Any

from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context

commands = CommandTable()
command = commands.command


@command("getAbook")
async def get_abook(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"abook": ctx.services.net.abook()}


@command("addToAbook")
async def add_to_abook(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    peer = await ctx.services.abook.add_contact(msg["peerId"], (msg.get("peerDn") or "").strip())
    return {"callId": peer} if peer != msg["peerId"] else {}


@command("removeFromAbook")
async def remove_from_abook(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.abook.remove_contact(msg["peerId"])


@command("renameInAbook")
async def rename_in_abook(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.abook.rename_contact(msg["peerId"], msg["peerDn"].strip())


# --- groups ------------------------------------------------------------------------------
@command("getGroups")
async def get_groups(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"groups": ctx.services.abook.groups()}


@command("createGroup")
async def create_group(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"groupId": ctx.services.abook.create_group(msg["name"].strip())}


@command("removeGroup")
async def remove_group(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.abook.remove_group(msg["groupId"])


@command("renameGroup")
async def rename_group(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.abook.rename_group(msg["groupId"], msg["newName"].strip())


@command("addToGroup")
async def add_to_group(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.abook.add_to_group(msg["groupId"], msg["peerId"])


@command("removeFromGroup")
async def remove_from_group(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.abook.remove_from_group(msg["groupId"], msg["peerId"])


# --- block list ----------------------------------------------------------------------------
@command("block")
async def block(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"peerId": await ctx.services.abook.block(msg["peerId"])}


@command("unblock")
async def unblock(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"peerId": await ctx.services.abook.unblock(msg["peerId"])}


@command("getBanList")
async def get_ban_list(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"banList": await ctx.services.abook.ban_list()}


# --- details ---------------------------------------------------------------------------------
@command("getContactDetails")
async def get_contact_details(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.abook.fetch_details(msg["peerId"])


@command("getDisplayNameById")
async def get_display_name_by_id(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return await ctx.services.abook.display_name(msg["peerId"])
