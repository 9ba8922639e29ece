"""Address book (the XMPP roster), groups, the block list and contact details."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from slixmpp.exceptions import IqError, IqTimeout

from meetroom.api.context import CommandContext
from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.ids import IdError
from meetroom.net.service import NetworkService, NotConnected
from meetroom.net.xmpp import XmppSession

commands = CommandTable()
command = commands.command

T = TypeVar("T")


def _session(ctx: CommandContext) -> tuple[NetworkService, XmppSession]:
    try:
        return ctx.room.net, ctx.room.net.require_session()
    except NotConnected as exc:
        raise CommandError(str(exc)) from None


def _peer(net: NetworkService, text: str) -> str:
    try:
        return net.to_call_id(text)
    except IdError as exc:
        raise CommandError(str(exc)) from None


async def _ask(request: Awaitable[T]) -> T:
    """Await one request to the server; a refusal or no answer becomes the command's clear error."""
    try:
        return await request
    except IqError as exc:
        raise CommandError(f"the server refused: {exc.condition} {exc.text}".strip()) from None
    except IqTimeout:
        raise CommandError("the server did not answer in time") from None


def _contact(net: NetworkService, peer: str) -> Any:
    item = net.contacts.get(peer)
    if item is None:
        raise CommandError(f"'{peer}' is not in the address book")
    return item


@command("getAbook")
async def get_abook(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return {"abook": ctx.room.net.abook()}


@command("addToAbook")
async def add_to_abook(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    net, session = _session(ctx)
    peer = _peer(net, msg["peerId"])
    if peer == net.account_id:
        raise CommandError("the room's own account cannot be its contact")
    existing = net.contacts.get(peer)
    name = (msg.get("peerDn") or "").strip() or (existing.name if existing else "")
    await _ask(session.roster_set(peer, name, existing.groups if existing else ()))
    session.subscribe(peer)
    return {"callId": peer} if peer != msg["peerId"] else {}


@command("removeFromAbook")
async def remove_from_abook(ctx: CommandContext, msg: dict[str, Any]) -> None:
    net, session = _session(ctx)
    peer = _peer(net, msg["peerId"])
    _contact(net, peer)
    await _ask(session.roster_remove(peer))


@command("renameInAbook")
async def rename_in_abook(ctx: CommandContext, msg: dict[str, Any]) -> None:
    net, session = _session(ctx)
    peer = _peer(net, msg["peerId"])
    item = _contact(net, peer)
    name = msg["peerDn"].strip()
    if not name:
        raise CommandError("'peerDn' is empty")
    await _ask(session.roster_set(peer, name, item.groups))


# --- groups ------------------------------------------------------------------------------
@command("getGroups")
async def get_groups(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return {"groups": ctx.room.net.group_list() if ctx.room.net.logged_in else []}


def _group(net: NetworkService, group_id: int) -> str:
    name = net.find_group(group_id)
    if name is None:
        raise CommandError(f"there is no group with groupId {group_id}")
    return name


def _group_entry(net: NetworkService, name: str) -> dict[str, Any]:
    for group in net.group_list():
        if group["name"] == name:
            return group
    return {"groupId": net.groups.group_id(net.account_id, name), "name": name, "users": []}


async def _set_groups(session: XmppSession, net: NetworkService, peer: str, groups: tuple[str, ...]) -> None:
    item = net.contacts[peer]
    await _ask(session.roster_set(peer, item.name, groups))


@command("createGroup")
async def create_group(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    net, _ = _session(ctx)
    name = msg["name"].strip()
    if not name or len(name) > 256:
        raise CommandError("a group name must have 1..256 characters")
    if name in {g["name"] for g in net.group_list()}:
        raise CommandError(f"a group named '{name}' already exists")
    group_id = net.groups.add_empty(net.account_id, name)
    ctx.room.bus.publish("groupsAdded", {"groups": [{"groupId": group_id, "name": name, "users": []}]})
    return {"groupId": group_id}


@command("removeGroup")
async def remove_group(ctx: CommandContext, msg: dict[str, Any]) -> None:
    net, session = _session(ctx)
    name = _group(net, msg["groupId"])
    entry = _group_entry(net, name)
    for user in entry["users"]:
        item = net.contacts[user["peerId"]]
        await _set_groups(session, net, user["peerId"], tuple(g for g in item.groups if g != name))
    net.groups.forget(net.account_id, name)
    ctx.room.bus.publish("groupsRemoved", {"groups": [entry]})


@command("renameGroup")
async def rename_group(ctx: CommandContext, msg: dict[str, Any]) -> None:
    net, session = _session(ctx)
    old = _group(net, msg["groupId"])
    new = msg["newName"].strip()
    if not new or len(new) > 256:
        raise CommandError("a group name must have 1..256 characters")
    if new != old and new in {g["name"] for g in net.group_list()}:
        raise CommandError(f"a group named '{new}' already exists")
    members = [u["peerId"] for u in _group_entry(net, old)["users"]]
    net.groups.rename(net.account_id, old, new)
    for peer in members:
        item = net.contacts[peer]
        await _set_groups(session, net, peer, tuple(new if g == old else g for g in item.groups))
    ctx.room.bus.publish("groupsRenamed", {"groups": [{"groupId": msg["groupId"], "name": new, "oldName": old}]})


@command("addToGroup")
async def add_to_group(ctx: CommandContext, msg: dict[str, Any]) -> None:
    net, session = _session(ctx)
    name = _group(net, msg["groupId"])
    peer = _peer(net, msg["peerId"])
    item = _contact(net, peer)
    if name in item.groups:
        raise CommandError(f"'{peer}' is already in group '{name}'")
    await _set_groups(session, net, peer, (*item.groups, name))


@command("removeFromGroup")
async def remove_from_group(ctx: CommandContext, msg: dict[str, Any]) -> None:
    net, session = _session(ctx)
    name = _group(net, msg["groupId"])
    peer = _peer(net, msg["peerId"])
    item = _contact(net, peer)
    if name not in item.groups:
        raise CommandError(f"'{peer}' is not in group '{name}'")
    if len(item.groups) == 1:
        net.groups.add_empty(net.account_id, name)  # the group stays when its last member leaves
    await _set_groups(session, net, peer, tuple(g for g in item.groups if g != name))


# --- block list ----------------------------------------------------------------------------
@command("block")
async def block(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    net, session = _session(ctx)
    peer = _peer(net, msg["peerId"])
    if peer == net.account_id:
        raise CommandError("the room cannot block its own account")
    await _ask(session.block(peer))
    return {"peerId": peer}


@command("unblock")
async def unblock(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    net, session = _session(ctx)
    peer = _peer(net, msg["peerId"])
    if peer not in session.blocked:
        raise CommandError(f"'{peer}' is not blocked")
    await _ask(session.unblock(peer))
    return {"peerId": peer}


@command("getBanList")
async def get_ban_list(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    net, session = _session(ctx)
    jids = await _ask(session.blocklist())
    return {"banList": [{"peerId": jid, "peerDn": net.peer_dn(jid)} for jid in jids]}


# --- details ---------------------------------------------------------------------------------
@command("getContactDetails")
async def get_contact_details(ctx: CommandContext, msg: dict[str, Any]) -> None:
    net, session = _session(ctx)
    peer = _peer(net, msg["peerId"])

    async def fetch() -> None:
        try:
            card = await session.vcard(peer if peer != net.account_id else None)
        except (IqError, IqTimeout, asyncio.CancelledError):
            card = {}
        ctx.room.bus.publish(
            "detailsInfo",
            {
                "peerId": peer,
                "peerDn": net.peer_dn(peer) if peer in net.contacts else (card.get("fn") or peer.split("@")[0]),
                "firstName": card.get("given", ""),
                "lastName": card.get("family", ""),
                "mobilePhone": card.get("mobile", ""),
                "workPhone": card.get("work", ""),
                "homePhone": card.get("home", ""),
                "company": card.get("company", ""),
                "isEditable": peer == net.account_id,
            },
        )

    net._spawn(fetch())


@command("getDisplayNameById")
async def get_display_name_by_id(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    net = ctx.room.net
    peer = _peer(net, msg["peerId"])
    if peer == net.account_id:
        return {"peerId": peer, "peerDn": net.display_name}
    item = net.contacts.get(peer)
    if item is not None and item.name:
        return {"peerId": peer, "peerDn": item.name}
    if net.logged_in and net.session is not None:
        try:
            card = await asyncio.wait_for(net.session.vcard(peer), 5.0)
        except (IqError, IqTimeout, TimeoutError):
            card = {}
        if card.get("fn") or card.get("nickname"):
            return {"peerId": peer, "peerDn": card.get("fn") or card.get("nickname")}
    return {"peerId": peer, "peerDn": peer.split("@")[0]}
