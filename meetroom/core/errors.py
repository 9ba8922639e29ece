"""The domain's refusals: a service raises one, and the API layer alone turns it into `result:false`.

Services below the API (calls, network, media, settings) must not know the reply format, and
handlers must not each catch and rewrap them; `meetroom.api.dispatcher` maps every `DomainError`
to a failure reply with its text (and any extra reply fields) in one place.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request the room understood but cannot carry out now; the text says why, for the client."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra
