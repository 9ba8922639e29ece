"""Command handlers, one module per area; importing this package registers them all."""

from meetroom.commands import auth, data, httpserver, system  # noqa: F401
