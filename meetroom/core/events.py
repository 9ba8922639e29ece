"""The sink a service announces its own changes through (the API's event bus implements it).

Services take an `Events` instead of the bus so they depend on no API module and can be built
in tests with a list that records what they announced.
"""

from __future__ import annotations

from typing import Any, Protocol


class Events(Protocol):
    """Where a service's notifications go: name, fields, and whether only admins may see them."""

    def publish(self, event: str, fields: dict[str, Any] | None = None, *, admin_only: bool = False) -> None: ...
