"""Refusals of the network service: not connected, not logged in, a bad peer, a server's no."""

from __future__ import annotations

from meetroom.core.errors import DomainError
from meetroom.ids import IdError


class NetworkError(DomainError):
    """A network request that cannot be carried out now; the text says why."""


class NotConnected(NetworkError):
    """No server connection, or no login, where the request needs one."""


class BadPeerId(NetworkError, IdError):
    """A peer text that is no valid id; an IdError too, for callers that catch that."""


class ServerRefused(NetworkError):
    """The conferencing server refused a request or did not answer it in time."""
