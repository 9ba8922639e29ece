"""Content sharing: share the slideshow or an X screen/window as a second video (docs/calls.md)."""

from __future__ import annotations

from typing import Any

from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context

commands = CommandTable()
command = commands.command


@command("startCapture", params={"captureId": ("integer", True)})
async def start_capture(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.meeting.content.start(int(msg["captureId"]))


@command("stopCapture", params={})
async def stop_capture(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.meeting.content.stop()


@command("switchVideoFlow", params={"callId": ("string", True), "mainCamera": ("boolean", True)})
async def switch_video_flow(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.meeting.content.switch_flow(msg["callId"], bool(msg["mainCamera"]))


# the documentation gives no parameters: without one every sharing participant is asked to stop;
# `callId` (a meetroom addition) names one participant
@command("sendStopContentSharing", params={"callId": ("string", False)})
async def send_stop_content_sharing(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.meeting.content.stop_others(msg.get("callId") or "")
