"""Command handlers, one module per area; each module exports its `commands` table.

Importing this package registers nothing anywhere: `TABLES` lists the areas a full room
answers, and `build_registry` joins them with the catalog for whoever builds a room.
"""

from __future__ import annotations

from meetroom.api import catalog
from meetroom.api.registry import CommandTable, Registry
from meetroom.commands import (
    abook,
    auth,
    background,
    calls,
    chat,
    conference,
    data,
    devices,
    farcamera,
    files,
    filetransfer,
    httpserver,
    info,
    layout,
    license,
    meeting,
    meetings,
    ndi,
    network,
    plan,
    ptz,
    screen,
    search,
    slides,
    system,
    update,
    window,
)
from meetroom.commands import content as content_commands

TABLES: tuple[CommandTable, ...] = (
    abook.commands,
    auth.commands,
    background.commands,
    calls.commands,
    chat.commands,
    conference.commands,
    data.commands,
    devices.commands,
    farcamera.commands,
    files.commands,
    filetransfer.commands,
    httpserver.commands,
    info.commands,
    layout.commands,
    license.commands,
    meeting.commands,
    meetings.commands,
    ndi.commands,
    network.commands,
    plan.commands,
    ptz.commands,
    screen.commands,
    search.commands,
    slides.commands,
    system.commands,
    update.commands,
    window.commands,
    content_commands.commands,
)

# The areas whose handlers use only what a room builds before it listens: while the room still
# loads its network side (app.Room) they answer at once, and every other command waits for it.
FRONT_TABLES: tuple[CommandTable, ...] = (
    auth.commands,
    background.commands,
    data.commands,
    httpserver.commands,
    layout.commands,
    plan.commands,
    ptz.commands,
    screen.commands,
    slides.commands,
    system.commands,
    update.commands,
    window.commands,
)


def front_commands() -> frozenset[str]:
    """The names of the commands in FRONT_TABLES."""
    return frozenset(entry.name for table in FRONT_TABLES for entry in table)


def build_registry() -> Registry:
    """Every command a full room answers, with the spec's access rules and parameter types."""
    return Registry(TABLES, catalog.commands())
