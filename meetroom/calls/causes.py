"""Every code a call ends with, in one place: API causes, the stopCalling side, history kinds.

`Cause` lives beside the Jingle `<reason/>` mapping that translates it (net/jingle/reasons.py);
it is re-exported here so call code reads all of its outcome codes from this module.
"""

from __future__ import annotations

from enum import IntEnum

from meetroom.net.jingle.reasons import Cause

__all__ = ["Cause", "Record", "Side"]


class Side(IntEnum):
    """stopCalling `side`: who stopped the ringing."""

    LOCAL = 0
    REMOTE = 1


class Record(IntEnum):
    """getCallHistory `type` of a finished call."""

    INCOMING = 0
    OUTGOING = 1
    MISSED = 2
