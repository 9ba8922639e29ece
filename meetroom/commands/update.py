"""Application updates: meetroom never downloads or installs anything by itself.

New releases are installed the way meetroom was (pip, a distribution package); the room only
reports its own version and that no online update exists, and refuses to start or cancel one.
"""

from __future__ import annotations

from typing import Any

from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context

commands = CommandTable()
command = commands.command

NO_ONLINE_UPDATES = "meetroom does not update itself online; install new releases with pip or your package manager"


@command("getUpdateInfo")
async def get_update_info(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"updateAvailable": False, "currentVersion": ctx.services.room.version}


@command("startUpdate")
async def start_update(ctx: Context, msg: dict[str, Any]) -> None:
    raise CommandError(f"no update is available: {NO_ONLINE_UPDATES}")


@command("cancelUpdate")
async def cancel_update(ctx: Context, msg: dict[str, Any]) -> None:
    raise CommandError(f"no update is in progress: {NO_ONLINE_UPDATES}")
