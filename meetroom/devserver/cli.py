"""Turns the parsed `meetroom dev-server` arguments into a server run."""

from __future__ import annotations

import argparse
import sys

from meetroom.devserver.config import DEFAULT_C2S_PORTS, DevServerConfig
from meetroom.devserver.runner import parse_user, run


def parse_ice_service(text: str) -> tuple[str, str, int]:
    """`stun:HOST:PORT` or `turn:HOST:PORT` → (type, host, port)."""
    kind, _, rest = text.partition(":")
    host, _, port = rest.rpartition(":")
    if kind not in ("stun", "turn") or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--ice-service wants stun:HOST:PORT or turn:HOST:PORT, got {text!r}")
    return kind, host, int(port)


def run_dev_server(args: argparse.Namespace) -> int:
    try:
        users = [parse_user(u) for u in args.user]
        services = [parse_ice_service(s) for s in getattr(args, "ice_service", None) or []]
    except ValueError as exc:
        print(f"meetroom dev-server: {exc}", file=sys.stderr)
        return 2
    cfg = DevServerConfig(
        directory=args.dir,
        domain=args.domain.lower(),
        c2s_ports=args.c2s_port or list(DEFAULT_C2S_PORTS),
        http_port=args.http_port,
        users=users,
        tls=args.tls,
        upload_limit=max(0, args.upload_limit),
        ice_services=services,
    )
    return run(cfg)
