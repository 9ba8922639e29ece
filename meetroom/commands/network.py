"""Server connection and login: connectToServer, login, logout and the server lists."""

from __future__ import annotations

from typing import Any

from meetroom.api.context import CommandContext
from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.ids import IdError
from meetroom.net.service import DEFAULT_PORT, NotConnected

commands = CommandTable()
command = commands.command


def _server_text(entry: dict[str, Any]) -> str:
    return entry["server"] if entry["port"] == DEFAULT_PORT else f"{entry['server']}:{entry['port']}"


@command("connectToServer", params={"port": ("integer|string", False)})
async def connect_to_server(ctx: CommandContext, msg: dict[str, Any]) -> None:
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
    await ctx.room.net.connect_to_server(server, port)


@command("connectToService")
async def connect_to_service(ctx: CommandContext, msg: dict[str, Any]) -> None:
    servers = ctx.room.net.creds.servers()
    if not servers:
        raise CommandError("no conferencing service is configured: use connectToServer with an XMPP server address")
    await ctx.room.net.connect_to_server(servers[0]["server"], servers[0]["port"], service=True)


@command("getAvailableServersList")
async def get_available_servers_list(ctx: CommandContext, msg: dict[str, Any]) -> None:
    # meetroom does not search the network for servers; it offers the ones it has used
    servers = [
        {"serverName": _server_text(s), "server": s["server"], "port": s["port"]} for s in ctx.room.net.creds.servers()
    ]
    ctx.room.bus.publish("availableServersListLoaded", {"serverList": servers})


@command("getLastUsedServersList")
async def get_last_used_servers_list(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    if msg["count"] < 0:
        raise CommandError("'count' must not be negative")
    servers = ctx.room.net.creds.servers()[: msg["count"]]
    return {"lastUsedServersList": [_server_text(s) for s in servers]}


@command("removeFromServersList")
async def remove_from_servers_list(ctx: CommandContext, msg: dict[str, Any]) -> None:
    if not ctx.room.net.creds.remove_server(msg["serverName"].strip()):
        raise CommandError(f"'{msg['serverName']}' is not in the list of servers")


@command("getServerDomain")
async def get_server_domain(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    net = ctx.room.net
    return {"domain": net.domain if ctx.room.appstate.state >= 2 else ""}


@command("login")
async def login(ctx: CommandContext, msg: dict[str, Any]) -> None:
    if not msg["password"]:
        raise CommandError("'password' is empty")
    try:
        await ctx.room.net.login(msg["login"], msg["password"])
    except (IdError, NotConnected) as exc:
        raise CommandError(str(exc)) from None


@command("logout")
async def logout(ctx: CommandContext, msg: dict[str, Any]) -> None:
    if not ctx.room.net.logged_in:
        raise CommandError("not logged in")
    await ctx.room.net.logout()


@command("getLogin")
async def get_login(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    net = ctx.room.net
    return {"isLoggedIn": net.logged_in, **net.account()}
