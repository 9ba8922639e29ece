"""The refusal of a call command; the API layer turns it into `result:false` with its text."""

from __future__ import annotations

from meetroom.core.errors import DomainError


class CallError(DomainError):
    """A call command that cannot be carried out now; the text says why."""
