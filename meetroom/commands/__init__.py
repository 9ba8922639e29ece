"""Command handlers, one module per area; importing this package registers them all."""

from meetroom.commands import (  # noqa: F401
    abook,
    auth,
    calls,
    chat,
    data,
    devices,
    files,
    httpserver,
    layout,
    network,
    ptz,
    screen,
    system,
)
