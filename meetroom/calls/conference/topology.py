"""The one seam between a conference and its media: which participants to exchange media with.

The machine decides *who* (ConnectLegs / DisconnectLegs / CloseMedia effects); a topology decides
*how*. Today that is `MeshTopology` (mesh.py: a Jingle session per pair, XEP-0272 style); an SFU
(Janus VideoRoom) implements the same protocol to take large conferences, and nothing above it
changes. A topology also claims the signalling it owns from the room's stanza stream, so that the
one-to-one machine never sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from meetroom.calls.conference.state import LegSpec
from meetroom.calls.machine.inputs import Input

RemoteMutes = Callable[[str, dict[str, bool]], None]


class MediaTopology(Protocol):
    on_remote_mutes: RemoteMutes | None  # a peer announced its own mic/camera mute

    def prepare(self) -> None:
        """A conference is starting here (the room joins its MUC room): get ready before the first leg."""

    def connect(self, conf_id: str, legs: Sequence[LegSpec]) -> None:
        """Start exchanging media with each peer (who initiates, whether this room sends)."""

    def update(self, legs: Sequence[LegSpec]) -> None:
        """Start or stop sending on running legs (no renegotiation: the peer keeps its leg)."""

    def disconnect(self, peers: Sequence[str]) -> None:
        """Stop exchanging media with these peers (they left, or were kicked)."""

    async def close(self) -> None:
        """End every leg (the conference is over here); returns once the media is released."""

    def claims(self, event: Input) -> bool:
        """Whether a signalling input (a Jingle IQ) belongs to this topology; it then handles it."""

    def peer_media(self, peer: str) -> tuple[Mapping[str, bool], dict[str, Any]]:
        """The peer's mutes as it announced them, and what we receive of it (getConferenceParticipants)."""
