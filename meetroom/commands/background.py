"""Virtual background of the room's camera: replaced by an uploaded picture or blurred."""

from __future__ import annotations

import asyncio
from typing import Any

from meetroom.api.registry import CommandTable
from meetroom.commands.files import file_record
from meetroom.commands.services import Context

commands = CommandTable()
command = commands.command


@command("setReplaceBackground", params={"enabled": ("boolean", True), "fileId": ("integer|string", False)})
async def set_replace_background(ctx: Context, msg: dict[str, Any]) -> None:
    background = ctx.services.background
    file_id = None
    if msg["enabled"]:
        if msg.get("fileId") not in (None, 0, "0", ""):
            file_id = file_record(ctx.services, msg["fileId"]).id
        await asyncio.to_thread(background.prepare)  # the first use builds the model: about a second
    background.set(msg["enabled"], file_id)
