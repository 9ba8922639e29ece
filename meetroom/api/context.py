"""What a command handler gets to work with: the services it may use and the calling session.

The protocol layer does not know which services a room has (that is the commands' business,
meetroom.commands.services); it only carries them to the handler next to the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from meetroom.api.session import Session

ServicesT = TypeVar("ServicesT")


@dataclass
class CommandContext(Generic[ServicesT]):
    services: ServicesT
    session: Session
