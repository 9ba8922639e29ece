"""Command line: `meetroom run | ctl | api-coverage` (argument parsing only)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shlex
import sys
from pathlib import Path

from meetroom.core.paths import DEFAULT_INSTANCE, PRODUCTS, default_data_dir


def _port(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError("a port is 1..65535")
    return value


def _add_run(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="start a room")
    run.add_argument("--host", default="0.0.0.0", help="listen address (default all; tests use 127.0.0.1)")
    run.add_argument("--wsport", type=_port, help="fixed WebSocket API port (default 8765 or the nearest free)")
    run.add_argument("--httpport", type=_port, help="fixed HTTP server port (default 8766 or the nearest free)")
    run.add_argument("-t", "--instance", default=DEFAULT_INSTANCE, help="name of a separate instance")
    run.add_argument("--product", choices=sorted(PRODUCTS), default="room")
    run.add_argument("--pin", "-pin", help="protect administrator control with this PIN")
    run.add_argument("--data-dir", type=Path, help="keep all state of this instance here")
    run.add_argument("--http-token-ttl", type=float, default=300.0, help="lifetime of HTTP tokens, seconds")
    run.add_argument("--reboot-command", default="systemctl reboot", help="run by rebootSystem when enabled")
    run.add_argument("--poweroff-command", default="systemctl poweroff", help="run by shutdownSystem when enabled")
    run.add_argument(
        "--ice-host", action="append", default=[], metavar="ADDR", help="ICE host address for calls (repeatable)"
    )
    run.add_argument(
        "--allow-file-pages",
        action="store_true",
        help="let pages opened from a file (Origin null) use unsecured control; any site's sandboxed frame looks alike",
    )
    run.add_argument(
        "--idle-timeout", type=float, help="seconds to send a request or handshake (connectionIdleTimeout)"
    )
    run.add_argument("--auth-timeout", type=float, help="seconds from the WebSocket handshake to auth (authTimeout)")
    run.add_argument("-v", "--verbose", action="store_true")


def _add_ctl(sub: argparse._SubParsersAction) -> None:
    ctl = sub.add_parser("ctl", help="send one command to a running room, or watch its events")
    ctl.add_argument("--host", default="127.0.0.1")
    ctl.add_argument("--port", type=_port, default=8766, help="HTTP port serving config.json")
    ctl.add_argument("--instance", default=DEFAULT_INSTANCE)
    ctl.add_argument("--pin", help="credentials (PIN, password or token); unsecured when absent")
    ctl.add_argument("--role", choices=("admin", "user"))
    ctl.add_argument("--events", action="store_true", help="print notifications until interrupted")
    ctl.add_argument("--timeout", type=float, default=10.0)
    ctl.add_argument("method", nargs="?")
    ctl.add_argument("params", nargs="*", help="key=value; values are read as JSON when they parse")


def _add_dev_server(sub: argparse._SubParsersAction) -> None:
    dev = sub.add_parser("dev-server", help="run a Prosody XMPP server for development and tests")
    dev.add_argument("--dir", type=Path, default=Path("meetroom-devserver"), help="all server files live here")
    dev.add_argument("--domain", default="localhost", help="XMPP domain (default localhost)")
    dev.add_argument("--c2s-port", type=_port, action="append", help="client port, repeatable (default 4307, 5222)")
    dev.add_argument("--http-port", type=_port, default=5280, help="HTTP port for file upload (default 5280)")
    dev.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD", help="create an account")
    dev.add_argument("--tls", action="store_true", help="require STARTTLS with a self-signed certificate")
    dev.add_argument(
        "--ice-service", action="append", default=[], metavar="stun|turn:HOST:PORT", help="XEP-0215 entry, repeatable"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meetroom", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run(sub)
    _add_ctl(sub)
    _add_dev_server(sub)
    cov = sub.add_parser("api-coverage", help="list which API commands are implemented")
    cov.add_argument("--markdown", type=Path, help="write the table as Markdown to this file")
    return parser


def _ice_hosts(values: list[str]) -> tuple[str, ...]:
    from meetroom.media.rtc import parse_hosts

    try:
        return parse_hosts(" ".join(values))
    except ValueError as exc:
        raise SystemExit(f"meetroom: --ice-host: {exc}") from None


def run_options(args: argparse.Namespace):  # -> RoomOptions, imported lazily to keep `ctl` light
    from meetroom.app import RoomOptions

    data_dir = args.data_dir or Path(default_data_dir(args.product, args.instance, sys.platform, os.environ))
    return RoomOptions(
        host=args.host,
        ws_port=args.wsport,
        http_port=args.httpport,
        instance=args.instance,
        product=args.product,
        pin=args.pin,
        data_dir=data_dir,
        data_dir_given=args.data_dir is not None,
        http_token_ttl=args.http_token_ttl,
        reboot_command=shlex.split(args.reboot_command),
        poweroff_command=shlex.split(args.poweroff_command),
        ice_hosts=_ice_hosts(args.ice_host),
        allow_file_pages=args.allow_file_pages,
        idle_timeout=args.idle_timeout,
        auth_timeout=args.auth_timeout,
    )


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s"
        )
        from meetroom.app import serve

        sys.exit(asyncio.run(serve(run_options(args))))
    if args.command == "ctl":
        from meetroom.client.ctl import run_ctl

        sys.exit(asyncio.run(run_ctl(args)))
    if args.command == "dev-server":
        from meetroom.devserver.cli import run_dev_server

        sys.exit(run_dev_server(args))
    if args.command == "api-coverage":
        from meetroom.api.coverage import print_coverage
        from meetroom.commands import build_registry

        sys.exit(print_coverage(build_registry(), args.markdown))
