"""Turns the parsed `meetroom dev-server` arguments into a server run."""

from __future__ import annotations

import argparse
import sys

from meetroom.devserver.config import DEFAULT_C2S_PORTS, DevServerConfig
from meetroom.devserver.runner import parse_user, run


def run_dev_server(args: argparse.Namespace) -> int:
    try:
        users = [parse_user(u) for u in args.user]
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
    )
    return run(cfg)
