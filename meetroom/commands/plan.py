"""The account's rights and limits: getTariffRestrictions and getMaxConfTitleLength."""

from __future__ import annotations

from typing import Any

from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context
from meetroom.core.plan import MAX_CONF_TITLE_LENGTH, tariff_restrictions

commands = CommandTable()
command = commands.command


@command("getTariffRestrictions")
async def get_tariff_restrictions(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    # meetroom grants the same rights with or without a login, so they are known at any time.
    return tariff_restrictions()


@command("getMaxConfTitleLength")
async def get_max_conf_title_length(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"length": MAX_CONF_TITLE_LENGTH}
