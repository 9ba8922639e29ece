"""Where a connection comes from: the room itself, a page of the room, a file page, or elsewhere.

One place decides this for the control API and the main screen's channel, because the two
disagreeing is how a drive-by page gets in. Browsers send `Origin: null` both for a page opened
from a file and for a sandboxed iframe of any web site, and the two cannot be told apart; so a
file page is trusted only when the administrator asks for it.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum


class OriginKind(Enum):
    NONE = "none"  # no Origin header: a program, not a browser page
    OWN = "own"  # a page served by this room's own HTTP server
    FILE = "file"  # `null` or file://: a file page, or a sandboxed frame of any site
    FOREIGN = "foreign"  # a page of some other web site


FILE_PAGES_HINT = (
    "pages opened from a file (Origin null) are refused unless the administrator allows them: "
    "`meetroom run --allow-file-pages` or the setting allowFilePages; "
    "or open the page from the room's own HTTP server, e.g. /examples/call.html"
)


def classify_origin(origin: str | None, served_by_room: Callable[[str], bool]) -> OriginKind:
    if origin is None:
        return OriginKind.NONE
    if origin == "null" or origin.startswith("file:"):
        return OriginKind.FILE
    return OriginKind.OWN if served_by_room(origin) else OriginKind.FOREIGN


def counts_as_room_itself(kind: OriginKind, *, allow_file_pages: bool) -> bool:
    """For a loopback peer: may this page act as the room PC's own software?"""
    if kind is OriginKind.FILE:
        return allow_file_pages
    return kind in (OriginKind.NONE, OriginKind.OWN)
