"""The HTTP routes of a full room, listed once, in the order they are installed.

The connection limit comes first: it is a middleware that must see every request.
"""

from __future__ import annotations

from meetroom.web import asyncapi, connlimit, files, frames, health, metrics, pages, screen, slides
from meetroom.web.http import RouteInstaller

ROUTES: tuple[RouteInstaller, ...] = (
    connlimit.install,  # frames, uploads and the connection limit
    files.install,
    frames.install,
    screen.install,  # the main screen's channel
    pages.install,
    slides.install,  # the running slideshow's pictures
    metrics.install,  # GET /metrics (Prometheus)
    health.install,  # GET /health
    asyncapi.install,  # GET /api/asyncapi.json
)
