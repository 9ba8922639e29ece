"""Command line: `meetroom run | ctl | dev-server | service | peer | demo | api-coverage` (argument parsing only)."""

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
    _run_arguments(sub.add_parser("run", help="start a room"))


def _run_arguments(run: argparse.ArgumentParser, host: str = "0.0.0.0", instance: str = DEFAULT_INSTANCE) -> None:
    run.add_argument("--host", default=host, help=f"listen address (default {host}; tests use 127.0.0.1)")
    run.add_argument("--wsport", type=_port, help="fixed WebSocket API port (default 8765 or the nearest free)")
    run.add_argument("--httpport", type=_port, help="fixed HTTP server port (default 8766 or the nearest free)")
    run.add_argument("-t", "--instance", default=instance, help="name of a separate instance")
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
        "--upload-limit",
        type=int,
        default=100 * 1024 * 1024,
        metavar="BYTES",
        help="largest file the HTTP upload service takes (default 100 MiB; 0: no upload service)",
    )
    dev.add_argument(
        "--ice-service", action="append", default=[], metavar="stun|turn:HOST:PORT", help="XEP-0215 entry, repeatable"
    )


def _server_address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":") if ":" in text else (text, "", "4307")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError("give HOST:PORT (the port 1..65535), e.g. 127.0.0.1:4307")
    return host, int(port)


def _add_peer(sub: argparse._SubParsersAction) -> None:
    peer = sub.add_parser(
        "peer",
        help="a headless room that logs in, answers calls by itself and plays a video file or the test pattern",
        description="A scripted peer for testing control panels; it also takes every `meetroom run` option.",
    )
    peer.add_argument("--server", type=_server_address, required=True, metavar="HOST:PORT", help="XMPP server")
    peer.add_argument("--login", required=True, help="account to log in as")
    peer.add_argument("--password", required=True)
    peer.add_argument("--auto-answer", action="store_true", help="accept every incoming call and invitation")
    peer.add_argument("--camera", default="pattern", metavar="FILE|pattern", help="video file to send, looped")
    peer.add_argument("--name", default="", help="display name (also drawn on the test pattern)")
    _run_arguments(peer, host="127.0.0.1", instance="peer")


def _add_demo(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser("demo", help="start an XMPP server, this room and a peer that answers: a first call")
    demo.add_argument("--dir", type=Path, help="where the demo keeps its files and logs (default: a temp folder)")
    demo.add_argument("--camera", default="pattern", metavar="FILE|pattern", help="what the peer sends")


def _add_service(sub: argparse._SubParsersAction) -> None:
    service = sub.add_parser(
        "service",
        help="run the room as a systemd service: install [--user|--system] [run options], uninstall, status",
        description="Any option `meetroom run` takes may follow `install`; the unit starts the room with them.",
    )
    service.add_argument("action", choices=("install", "uninstall", "status"))
    scope = service.add_mutually_exclusive_group()
    scope.add_argument("--user", dest="scope", action="store_const", const="user", help="a unit of your own")
    scope.add_argument("--system", dest="scope", action="store_const", const="system", help="a system unit (root)")
    service.add_argument("--unit-dir", type=Path, help="write the unit here instead of systemd's directory")
    service.add_argument("--write-only", action="store_true", help="only write the unit; do not call systemctl")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meetroom", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run(sub)
    _add_ctl(sub)
    _add_dev_server(sub)
    _add_service(sub)
    _add_peer(sub)
    _add_demo(sub)
    cov = sub.add_parser("api-coverage", help="list which API commands are implemented")
    cov.add_argument("--markdown", type=Path, help="write the table as Markdown to this file")
    cov.add_argument("--asyncapi", type=Path, help="write the AsyncAPI 3.0 document of the API to this file")
    return parser


def _ice_hosts(values: list[str]) -> tuple[str, ...]:
    from meetroom.media.icepolicy import parse_hosts

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


def _service(args: argparse.Namespace, run_args: list[str]) -> int:
    from meetroom.systemd.manage import ServiceManager, meetroom_command
    from meetroom.systemd.unit import UnitSpec

    run_args = run_args[1:] if run_args[:1] == ["--"] else run_args
    run = build_parser().parse_args(["run", *run_args])  # refuses what `meetroom run` would refuse
    scope = args.scope or ("system" if os.geteuid() == 0 else "user")
    manager = ServiceManager(UnitSpec(scope, meetroom_command(), tuple(run_args), run.instance), args.unit_dir)
    if args.action == "install":
        return manager.install(write_only=args.write_only)
    others = [a for a in run_args if a not in ("-t", "--instance", run.instance) and not a.startswith("--instance=")]
    if others:
        raise SystemExit(f"meetroom: service {args.action} takes no run options but -t NAME: {' '.join(others)}")
    return manager.uninstall() if args.action == "uninstall" else manager.status()


def _peer(args: argparse.Namespace) -> int:
    from meetroom.media.filesource import check_video_file
    from meetroom.peer.driver import PATTERN, PeerOptions, serve_peer

    if args.camera != PATTERN and (problem := check_video_file(Path(args.camera))):
        raise SystemExit(f"meetroom peer: --camera {problem}")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    host, port = args.server
    peer = PeerOptions(host, port, args.login, args.password, args.auto_answer, args.camera, args.name)
    return asyncio.run(serve_peer(run_options(args), peer))


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "service":
        parser.error("unrecognized arguments: " + " ".join(extra))
    if args.command == "service":
        sys.exit(_service(args, extra))
    if args.command == "run":
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s"
        )
        from meetroom.app import serve

        sys.exit(asyncio.run(serve(run_options(args))))
    if args.command == "peer":
        sys.exit(_peer(args))
    if args.command == "demo":
        from meetroom.demo.runner import DemoOptions, default_dir, run_demo

        sys.exit(asyncio.run(run_demo(DemoOptions(args.dir or default_dir(), args.camera))))
    if args.command == "ctl":
        from meetroom.client.ctl import run_ctl

        sys.exit(asyncio.run(run_ctl(args)))
    if args.command == "dev-server":
        from meetroom.devserver.cli import run_dev_server

        sys.exit(run_dev_server(args))
    if args.command == "api-coverage":
        from meetroom.api.coverage import print_coverage
        from meetroom.commands import build_registry

        if args.asyncapi is not None:
            from meetroom.api.asyncapi import document_text

            args.asyncapi.write_text(document_text(build_registry()))
        sys.exit(print_coverage(build_registry(), args.markdown))
