"""GET /health: whether the room answers, for a load balancer or a watchdog (JSON, 200 or 503).

Answering this request proves the event loop runs; the check then asks the WebSocket API itself
a question (`setUsedApiVersion`, which needs no auth) over a real connection, so a stuck or
closed API listener shows as 503 even while the HTTP side still answers. A loop that ran badly
late in its latest tick (LAG_LIMIT) counts as unhealthy too. Protected like /metrics.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from meetroom.web.metrics import refuse_unless_open

if TYPE_CHECKING:
    from meetroom.web.surface import RoomSurface

PROBE_TIMEOUT = 2.0  # seconds the API gets to answer the probe
LAG_LIMIT = 2.0  # seconds of loop lag beyond which the room counts as unhealthy
STARTED = time.monotonic()


def probe_host(host: str) -> str:
    """Where the probe connects: the listen address, or loopback when the room listens on all."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


async def api_answers(host: str, port: int, timeout: float = PROBE_TIMEOUT) -> tuple[bool, str]:
    """One real round trip through the WebSocket API: (answered, problem)."""
    url = f"ws://{probe_host(host)}:{port}/"
    try:
        async with asyncio.timeout(timeout), aiohttp.ClientSession() as client, client.ws_connect(url) as ws:
            await ws.send_str(json.dumps({"method": "setUsedApiVersion", "requestId": "health", "version": "1"}))
            reply = await ws.receive_json()
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError, TypeError) as exc:
        return False, f"WebSocket API did not answer: {type(exc).__name__} {exc}".strip()
    if not isinstance(reply, dict) or reply.get("method") != "setUsedApiVersion":
        return False, f"WebSocket API answered unexpectedly: {str(reply)[:100]}"
    return True, ""


async def health_report(room: RoomSurface) -> dict[str, Any]:
    metrics = room.metrics
    answered, problem = await api_answers(room.options.host, room.ws_port)
    lag = metrics.loop.lag
    problems = [problem] if problem else []
    if lag > LAG_LIMIT:
        problems.append(f"event loop ran {lag:.2f} s late")
    state = metrics.appstate.state
    return {
        "status": "ok" if not problems else "unhealthy",
        "problems": problems,
        "version": room.version,
        "instance": room.options.instance,
        "apiPort": room.ws_port,
        "httpPort": room.http.port,
        "apiAnswers": answered,
        "eventLoopLagSeconds": round(lag, 4),
        "appState": int(state),
        "loggedIn": state >= 3,
        "inCall": metrics.calls.call is not None,
        "uptimeSeconds": round(time.monotonic() - STARTED, 1),
        "service": metrics.facts.get("service", "none"),
    }


def install(room: RoomSurface, app: web.Application) -> None:
    async def health(request: web.Request) -> web.Response:
        refused = refuse_unless_open(room, room.settings, request)
        if refused is not None:
            return refused
        report = await health_report(room)
        status = 200 if report["status"] == "ok" else 503
        return web.json_response(report, status=status, headers={"Cache-Control": "no-store"})

    app.router.add_get("/health", health)
