"""Where a call leg is, from ringing to ended: the one fact of a call that readers outside the calls need.

It lives apart from the call machine so that the metrics and the call commands can name the
phases without loading the machine (and the XMPP stack under it) at a room's start.
"""

from __future__ import annotations

from enum import Enum


class Phase(Enum):
    RINGING = "ringing"  # propose sent / received, nobody answered yet
    NEGOTIATING = "negotiating"  # answered: Jingle offer/answer and ICE under way
    ACTIVE = "active"  # media connected: the "conference" exists for the API
    ENDED = "ended"
