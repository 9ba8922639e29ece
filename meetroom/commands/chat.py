"""One-to-one chat with its stored history, and sendCommand between rooms."""

from __future__ import annotations

from typing import Any

from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context

commands = CommandTable()
command = commands.command

MAX_MESSAGE = 64 * 1024


@command("sendMessage")
async def send_message(ctx: Context, msg: dict[str, Any]) -> None:
    text = msg["message"]
    if not text.strip():
        raise CommandError("'message' is empty")
    if len(text) > MAX_MESSAGE:
        raise CommandError(f"'message' is longer than {MAX_MESSAGE} characters")
    ctx.services.net.send_chat(msg["peerId"], text)


def _chat_peer(ctx: Context, msg: dict[str, Any]) -> str:
    cid = msg.get("chatId") or msg.get("id")
    if not cid:
        raise CommandError("missing required parameter 'chatId' (string)")
    return ctx.services.net.chat_peer(cid)


@command("getListOfChats")
async def get_list_of_chats(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"list": ctx.services.net.chat_list()}


@command("getChatLastMessages", params={"chatId": ("string", False), "id": ("string", False)})
async def get_chat_last_messages(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    if msg["beginNumber"] < 0 or msg["count"] < 0:
        raise CommandError("'beginNumber' and 'count' must not be negative")
    peer = _chat_peer(ctx, msg)
    net = ctx.services.net
    own = net.account_id
    count = min(msg["count"], 1000)
    await ctx.services.conferences.read_archive(peer, msg["beginNumber"] + count)  # a conference's older messages
    messages = [
        {"text": m.text, "time": int(m.time), "peerId": own if m.direction else peer, "direction": m.direction}
        for m in net.last_messages(peer, msg["beginNumber"], count)
    ]
    return {"messages": messages}


@command("chatClear", params={"chatId": ("string", False), "id": ("string", False)})
async def chat_clear(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.net.clear_chat(_chat_peer(ctx, msg))


@command("sendCommand")
async def send_command(ctx: Context, msg: dict[str, Any]) -> None:
    text = msg["command"]
    if len(text) > MAX_MESSAGE:
        raise CommandError(f"'command' is longer than {MAX_MESSAGE} characters")
    ctx.services.net.send_command(msg["peerId"], text)
