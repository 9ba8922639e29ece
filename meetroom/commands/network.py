"""Server connection and login: connectToServer, login, logout and the server lists."""

from __future__ import annotations

from typing import Any

from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context
from meetroom.net.servers import DEFAULT_PORT, server_text

commands = CommandTable()
command = commands.command


@command("connectToServer", params={"port": ("integer|string", False)})
async def connect_to_server(ctx: Context, msg: dict[str, Any]) -> None:
    server = msg["server"].strip()
    port = msg.get("port", DEFAULT_PORT)
    if isinstance(port, str):
        if not port.strip().isdigit():
            raise CommandError("'port' must be a number 1..65535")
        port = int(port)
    if not server or any(c.isspace() or c in "/@<>'\"" for c in server):
        raise CommandError(f"'{server}' is not a server address")
    if ":" in server and server.count(":") == 1:  # "host:port" written in one field
        host, _, text = server.partition(":")
        if not text.isdigit() or not host:
            raise CommandError(f"'{server}' is not a server address")
        server, port = host, int(text)
    if not 1 <= port <= 65535:
        raise CommandError("'port' must be 1..65535")
    await ctx.services.net.connect_to_server(server, port)


@command("connectToService")
async def connect_to_service(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.net.connect_to_service()


@command("getAvailableServersList")
async def get_available_servers_list(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.net.announce_available_servers()


@command("getLastUsedServersList")
async def get_last_used_servers_list(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    if msg["count"] < 0:
        raise CommandError("'count' must not be negative")
    servers = ctx.services.net.servers()[: msg["count"]]
    return {"lastUsedServersList": [server_text(s) for s in servers]}


@command("removeFromServersList")
async def remove_from_servers_list(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.net.remove_server(msg["serverName"].strip())


@command("getServerDomain")
async def get_server_domain(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    net = ctx.services.net
    return {"domain": net.domain if ctx.services.appstate.state >= 2 else ""}


@command("login")
async def login(ctx: Context, msg: dict[str, Any]) -> None:
    if not msg["password"]:
        raise CommandError("'password' is empty")
    await ctx.services.net.login(msg["login"], msg["password"])


@command("logout")
async def logout(ctx: Context, msg: dict[str, Any]) -> None:
    if not ctx.services.net.logged_in:
        raise CommandError("not logged in")
    await ctx.services.net.logout()


@command("getLogin")
async def get_login(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    net = ctx.services.net
    return {"isLoggedIn": net.logged_in, **net.account()}
