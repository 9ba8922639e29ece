"""In-meeting actions besides the far camera: DTMF tones, recording consent, and recording a call.

startRecording / stopRecording are meetroom extensions (not in the TrueConf API): docs/calls.md.
"""

from __future__ import annotations

from typing import Any

from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context

commands = CommandTable()
command = commands.command


@command("toneDial")
async def tone_dial(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.meeting.tones.send(msg["callId"], msg["symbol"])


# --- recording -----------------------------------------------------------------------------------
@command("allowRecord")
async def allow_record(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.meeting.recording.answer(msg["peerId"], True)


@command("denyRecord")
async def deny_record(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.meeting.recording.answer(msg["peerId"], False)


# meetroom extensions: the API has no command to record a call (see docs/calls.md)
@command("startRecording", params={})
async def start_recording(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.meeting.recording.start()


@command("stopRecording", params={})
async def stop_recording(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return await ctx.services.meeting.recording.stop()
