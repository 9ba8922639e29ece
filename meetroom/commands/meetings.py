"""getScheduler: the meetings planned for the logged-in account.

An XMPP server keeps no meeting schedule, so the list is always empty; the answer keeps the
documented shape (a count and a list) so that the screen's meetings widget and clients can
treat it like any other empty schedule.
"""

from __future__ import annotations

from typing import Any

from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context

commands = CommandTable()
command = commands.command


@command("getScheduler")
async def get_scheduler(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    conferences: list[dict[str, Any]] = []
    return {"cnt": len(conferences), "conferences": conferences}
