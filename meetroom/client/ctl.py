"""`meetroom ctl`: one command from the shell, or a live view of notifications."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from meetroom.client.room_client import AuthFailed, RoomClient


def parse_params(pairs: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"expected key=value, got '{pair}'")
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw
    return params


async def run_ctl(args: argparse.Namespace) -> int:
    if not args.events and not args.method:
        print("meetroom ctl: give a METHOD or --events", file=sys.stderr)
        return 2
    try:
        params = parse_params(args.params)
    except ValueError as exc:
        print(f"meetroom ctl: {exc}", file=sys.stderr)
        return 2
    client = RoomClient(args.host, args.port, instance=args.instance, timeout=args.timeout)
    try:
        await client.connect()
        await client.auth(args.pin, args.role)
        if args.events:
            async for event in client.events():
                print(json.dumps(event, ensure_ascii=False), flush=True)
        reply = await client.call(args.method, **params)
    except AuthFailed as exc:
        print(json.dumps(exc.reply, ensure_ascii=False))
        return 1
    except (OSError, TimeoutError) as exc:
        print(f"meetroom ctl: cannot reach the room at {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    finally:
        await client.close()
    print(json.dumps(reply, ensure_ascii=False, indent=2))
    return 0 if reply.get("result") else 1
