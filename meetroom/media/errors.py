"""Refusals of the media services (devices, PTZ, presets, sound tests, the broadcast picture)."""

from __future__ import annotations

from meetroom.core.errors import DomainError


class MediaError(DomainError, ValueError):
    """A media request that cannot be carried out; a ValueError too, as callers caught before."""
