"""One-to-one chat with its stored history, and sendCommand between rooms."""

from __future__ import annotations

from typing import Any

from meetroom.api.context import CommandContext
from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.ids import IdError, instance_or_call_id
from meetroom.net.chatstore import chat_id
from meetroom.net.service import NotConnected

commands = CommandTable()
command = commands.command

MAX_MESSAGE = 64 * 1024


@command("sendMessage")
async def send_message(ctx: CommandContext, msg: dict[str, Any]) -> None:
    text = msg["message"]
    if not text.strip():
        raise CommandError("'message' is empty")
    if len(text) > MAX_MESSAGE:
        raise CommandError(f"'message' is longer than {MAX_MESSAGE} characters")
    try:
        peer = ctx.room.net.send_chat(msg["peerId"], text)
    except (IdError, NotConnected) as exc:
        raise CommandError(str(exc)) from None
    ctx.room.bus.publish("chatMessageSent", {"peerId": peer, "message": text, "chatId": chat_id(peer)})


def _chat_peer(ctx: CommandContext, msg: dict[str, Any]) -> str:
    cid = msg.get("chatId") or msg.get("id")
    if not cid:
        raise CommandError("missing required parameter 'chatId' (string)")
    net = ctx.room.net
    if not net.account_id:
        raise CommandError("not logged in: send login first")
    peer = net.chats.peer_of(net.account_id, cid)
    if peer is None and "@" in cid:  # a CallId given in place of the chat id
        try:
            peer = net.to_call_id(cid)
        except IdError as exc:
            raise CommandError(str(exc)) from None
    if peer is None:
        raise CommandError(f"there is no chat '{cid}'")
    return peer


@command("getListOfChats")
async def get_list_of_chats(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    net = ctx.room.net
    if not net.account_id:
        return {"list": []}
    chats = [
        {"chatId": chat_id(peer), "callId": peer, "title": net.peer_dn(peer), "group": False}
        for peer in net.chats.chats(net.account_id)
    ]
    return {"list": chats}


@command("getChatLastMessages", params={"chatId": ("string", False), "id": ("string", False)})
async def get_chat_last_messages(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    if msg["beginNumber"] < 0 or msg["count"] < 0:
        raise CommandError("'beginNumber' and 'count' must not be negative")
    peer = _chat_peer(ctx, msg)
    net = ctx.room.net
    own = net.account_id
    messages = [
        {"text": m.text, "time": int(m.time), "peerId": own if m.direction else peer, "direction": m.direction}
        for m in net.chats.last_messages(own, peer, msg["beginNumber"], min(msg["count"], 1000))
    ]
    return {"messages": messages}


@command("chatClear", params={"chatId": ("string", False), "id": ("string", False)})
async def chat_clear(ctx: CommandContext, msg: dict[str, Any]) -> None:
    peer = _chat_peer(ctx, msg)
    net = ctx.room.net
    net.chats.clear(net.account_id, peer)
    ctx.room.bus.publish("cmdChatClear", {"id": chat_id(peer), "chatId": chat_id(peer)})


@command("sendCommand")
async def send_command(ctx: CommandContext, msg: dict[str, Any]) -> None:
    net = ctx.room.net
    text = msg["command"]
    if len(text) > MAX_MESSAGE:
        raise CommandError(f"'command' is longer than {MAX_MESSAGE} characters")
    try:
        session = net.require_session()
        target = instance_or_call_id(msg["peerId"], net.domain)
    except (IdError, NotConnected) as exc:
        raise CommandError(str(exc)) from None
    session.send_command(target, text)
    ctx.room.bus.publish("commandSent", {"peerId": msg["peerId"], "command": text, "confId": ""})
