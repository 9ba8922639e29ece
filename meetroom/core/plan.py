"""What the room's account may do: the plan rights and conference limits meetroom grants.

meetroom has no tariffs: every account gets the same rights, the ones getSystemInfo reports in
permissionsInfo. This module turns them into the getTariffRestrictions / tariffRestrictionsChanged
shape (with the per-mode speaker/participant schemas) so that both commands always agree.
"""

from __future__ import annotations

from typing import Any

from meetroom.core.systeminfo import PERMISSIONS

# Longest conference title createConference accepts; getMaxConfTitleLength reports it.
MAX_CONF_TITLE_LENGTH = 128

P2P_PARTICIPANTS = 2  # a point-to-point call: both sides send and receive


def _schema(casters: int, participants: int) -> list[dict[str, int]]:
    return [{"maxCasters": casters, "maxParticipants": participants}]


def tariff_restrictions() -> dict[str, Any]:
    """The rights of the logged-in account, derived from the room's own permissions."""
    rights = dict(PERMISSIONS)
    sym, asym, role, podium = (
        rights["symMaxNumber"],
        rights["asymMaxNumber"],
        rights["roleMaxNumber"],
        rights["rlMaxNumber"],
    )
    return {
        **rights,
        "p2pSchema": _schema(P2P_PARTICIPANTS, P2P_PARTICIPANTS),
        "symmetricSchema": _schema(sym, sym),  # all on screen: everybody sends
        "asymmetricSchema": _schema(1, asym),  # video lecture: one presenter shown to all
        "roleSchema": _schema(podium, role),  # role-based: speakers on the podium
        "smartMeetingSchema": _schema(podium, role),
    }
