"""Read-only facts about the room: server connection, web addresses, renderer, login options.

Each answer is read from the part of the room that owns the fact (network service, HTTP
server, access rules); nothing here keeps state of its own.
"""

from __future__ import annotations

from typing import Any

from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context
from meetroom.core.appstate import AppState

commands = CommandTable()
command = commands.command

# getConnected's state codes
NOT_CONNECTED, CONNECTING, CONNECTED = 0, 1, 2
# getLoginCapabilities: the login command needs the password itself (SASL SCRAM/PLAIN derive
# their proofs from it), so clients must send it in plain text, not as an md5 hash.
AUTH_PLAIN_PASSWORD = 1


def connection_state(state: AppState) -> int:
    """appState 0/1 map to themselves; from 2 on the room is connected (logged in or not)."""
    if state >= AppState.LOGIN:
        return CONNECTED
    return CONNECTING if state == AppState.CONNECTING else NOT_CONNECTED


@command("getConnected")
async def get_connected(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    net = ctx.services.net
    state = connection_state(ctx.services.appstate.state)
    if state == NOT_CONNECTED:
        # The docs leave the server details out here; null keeps the key for clients whose
        # reply filters require it (python-trueconf-room) while saying "no server".
        return {"state": state, "serverInfo": None}
    server = {"server": net.server, "service": net.service, "port": net.port, "domain": net.domain}
    return {"state": state, "serverInfo": server}


@command("getWebManagerUrl")
async def get_web_manager_url(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"url": ctx.services.room.web_manager_url()}


@command("getCurrentUserProfileUrl")
async def get_current_user_profile_url(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    # XMPP servers publish no web profile page for an account, so there is none to give.
    return {"url": ""}


@command("getProperties")
async def get_properties(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    # Properties are name/value pairs the conferencing server sends (e.g. a product page link);
    # an XMPP server sends none.
    return {"properties": []}


@command("getRenderInfo")
async def get_render_info(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    # The room draws its pictures (self view, placeholders, layouts) in software with Pillow;
    # the main screen itself is a web page drawn by whichever browser shows it.
    import PIL  # only its version: Pillow's image code is not loaded by this

    return {"render": "software", "version": PIL.__version__, "vendor": "Pillow"}


@command("getLoginCapabilities")
async def get_login_capabilities(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    if ctx.services.appstate.state < AppState.LOGIN:
        raise CommandError("not connected to a server: send connectToServer first")
    # No external login providers and no e-mail login: those optional fields are left out.
    return {"authenticationMethod": AUTH_PLAIN_PASSWORD}


@command("getOverlayHttpToken")
async def get_overlay_http_token(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"token": ctx.services.access.overlay_token}
