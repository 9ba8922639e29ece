"""Licensing commands, answered for what meetroom is: open source, with nothing to activate.

There is no licence server, no PRO key and no activation. The queries say so with empty or
"none" values; the activation requests fail with a clear reason and change nothing. The
hardware key is real: a stable id of this instance (not of the machine) for anyone who needs
to tell rooms apart.
"""

from __future__ import annotations

import hashlib
from typing import Any

from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context

commands = CommandTable()
command = commands.command

NO_LICENSING = "meetroom is open source and needs no licence: every feature is available without activation"
KEY_DOMAIN = b"meetroom hardware key\x00"  # keeps the key unrelated to other uses of the instance id


def hardware_key(instance_id: str) -> str:
    """Eight groups of four hex digits derived from the instance's stored random id."""
    digest = hashlib.sha256(KEY_DOMAIN + instance_id.encode()).hexdigest().upper()[:32]
    return "-".join(digest[i : i + 4] for i in range(0, 32, 4))


@command("getLicenseServerStatus")
async def get_license_server_status(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"status": "none"}  # meetroom never contacts a licence server


@command("getHardwareKey")
async def get_hardware_key(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"key": hardware_key(ctx.services.net.creds.resource())}


@command("getTrueConfRoomProKey")
async def get_trueconf_room_pro_key(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"trueconfRoomKey": ""}  # no PRO key is installed, or needed


@command("activateLicense")
async def activate_license(ctx: Context, msg: dict[str, Any]) -> None:
    # `status` as in a refused activation, for clients whose reply filter requires it.
    raise CommandError(NO_LICENSING, status="invalid")


@command("productRegistrationOffline")
async def product_registration_offline(ctx: Context, msg: dict[str, Any]) -> None:
    raise CommandError(f"{NO_LICENSING}; registration files are not used")
