"""In-meeting actions besides the far camera: DTMF tones (and recording, below)."""

from __future__ import annotations

from typing import Any

from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context

commands = CommandTable()
command = commands.command


@command("toneDial")
async def tone_dial(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.meeting.tones.send(msg["callId"], msg["symbol"])
