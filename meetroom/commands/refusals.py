"""Until the dispatcher maps `DomainError` to result:false itself, handlers wrap service calls here.

One context manager instead of a try/except per handler; once the dispatcher does the mapping,
`with refused():` can simply be dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from meetroom.api.envelope import CommandError
from meetroom.core.errors import DomainError


@contextmanager
def refused() -> Iterator[None]:
    """A service's DomainError becomes the command's result:false with the same text and fields."""
    try:
        yield
    except DomainError as exc:
        raise CommandError(exc.error, **exc.extra) from None
