"""The one table between XMPP presence and TrueConf statuses (xmpp.md §6.1).

| presence of a contact's best resource          | extStatus |
|------------------------------------------------|-----------|
| carries meetroom's <state ext='N'/>             | N         |
| available, no <show> or show 'chat'             | 2         |
| show 'dnd'                                      | 5         |
| show 'away' or 'xa'                             | 6         |
| offline, last seen less than RECENT_SECONDS ago | 1         |
| offline                                         | 0         |
| error presence (unknown account, refused)       | -1        |

The legacy `status` follows from extStatus: -1→-1; 0,1→0; 2,3,4,6→1; 5,7,8,9→2; 10→5.
When a contact has several resources, the strongest one counts: in a call > own conference >
available > do-not-disturb > away > offline.
The room itself publishes ext 4 (a terminal) when idle and ext 9 (busy at a terminal) while
in a call, with <show>dnd</show> when busy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from meetroom.net.xmpp import PresenceInfo

RECENT_SECONDS = 15 * 60
OWN_IDLE = 4
OWN_BUSY = 9

_SHOW_EXT = {"": 2, "chat": 2, "dnd": 5, "away": 6, "xa": 6}
# strength of an extStatus when choosing between resources: higher wins
_STRENGTH = {7: 9, 8: 9, 9: 9, 10: 8, 2: 7, 3: 7, 4: 7, 5: 5, 6: 4, 1: 2, 0: 1, -1: 0}


def ext_of(info: PresenceInfo) -> int:
    if info.error:
        return -1
    if not info.available:
        return 0
    if info.ext is not None and -1 <= info.ext <= 10:
        return info.ext
    return _SHOW_EXT.get(info.show, 2)


def legacy_status(ext: int) -> int:
    if ext < 0:
        return -1
    if ext in (0, 1):
        return 0
    if ext in (5, 7, 8, 9):
        return 2
    if ext == 10:
        return 5
    return 1


@dataclass
class ContactPresence:
    """Every online resource of one contact and when it was last seen."""

    resources: dict[str, tuple[int, str]] = field(default_factory=dict)  # full JID → (ext, status text)
    last_online: float = 0.0
    invalid: bool = False

    def apply(self, info: PresenceInfo, now: float | None = None) -> None:
        now = time.time() if now is None else now
        if info.error:
            self.invalid = True
            self.resources.clear()
            return
        self.invalid = False
        if info.available:
            self.resources[info.full_jid] = (ext_of(info), info.status)
        else:
            had = bool(self.resources)
            if info.full_jid == info.bare:  # unavailable for the whole account
                self.resources.clear()
            else:
                self.resources.pop(info.full_jid, None)
            if had and not self.resources:
                self.last_online = now

    def ext(self, now: float | None = None) -> int:
        if self.invalid:
            return -1
        if self.resources:
            return max((ext for ext, _ in self.resources.values()), key=lambda e: _STRENGTH.get(e, 0))
        now = time.time() if now is None else now
        if self.last_online and now - self.last_online < RECENT_SECONDS:
            return 1
        return 0

    def additional_status(self) -> str:
        if not self.resources:
            return ""
        best = self.ext()
        for ext, text in self.resources.values():
            if ext == best:
                return text
        return ""

    def fields(self) -> dict[str, int | str]:
        ext = self.ext()
        return {
            "status": legacy_status(ext),
            "extStatus": ext,
            "lastOnlineTime": 0 if self.resources else int(self.last_online),
            "additionalStatus": self.additional_status(),
        }
