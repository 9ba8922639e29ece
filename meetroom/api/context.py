"""What a command handler gets to work with: the room and the calling session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meetroom.api.session import Session
    from meetroom.app import Room


@dataclass
class CommandContext:
    room: Room
    session: Session
