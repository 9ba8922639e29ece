"""The smart meeting's video selector: who is on the podium, decided by voice.

Pure policy with an injected clock: audio levels in, podium changes out. The owner's room feeds
it the level it hears from every participant (the same smoothed `audioLevel` the main screen
uses for its active speaker, with the same threshold) a few times a second. Someone loud for
`hold` seconds goes up; when the podium is full (castersCount) the speaker who has been silent
longest comes down to make room. Hysteresis keeps it from flapping: a level must fall below half
the threshold to count as quiet again, a new speaker stays at least `min_stay` seconds, and only
a speaker quiet for `quiet` seconds is replaced. A change the selector asked for counts as done
for `pending` seconds, until the room's presence confirms it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

SPEAKING_LEVEL = 0.02  # the main screen's active-speaker threshold (web/static/js/screen/main.js)


@dataclass(frozen=True)
class Tuning:
    threshold: float = SPEAKING_LEVEL
    hold: float = 0.5  # loud this long before going up
    quiet: float = 1.5  # a speaker quiet this long may be replaced
    min_stay: float = 4.0  # a speaker the selector seated stays at least this long
    pending: float = 3.0  # how long an asked change counts as done without the room's confirmation


@dataclass(frozen=True)
class Change:
    up: tuple[str, ...] = ()
    down: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.up or self.down)


@dataclass
class SpeakerSelector:
    tuning: Tuning = field(default_factory=Tuning)
    _loud_since: dict[str, float] = field(default_factory=dict)  # speaking now, since
    _last_loud: dict[str, float] = field(default_factory=dict)  # last moment heard speaking
    _seated: dict[str, float] = field(default_factory=dict)  # on the podium (as far as we know) since
    _asked: dict[str, tuple[bool, float]] = field(default_factory=dict)  # jid → (up?, when asked)

    def step(
        self,
        now: float,
        levels: Mapping[str, float],
        podium: Collection[str],
        capacity: int,
        fixed: Collection[str] = (),
    ) -> Change:
        """One sample. `podium`: who has voice now (from the room's presences); `fixed`: speakers
        the selector never takes down (the owner, moderators); `capacity`: podium seats in all."""
        self._hear(now, levels)
        seats = self._view(now, set(podium))
        for jid in seats:
            self._seated.setdefault(jid, now)
        for jid in list(self._seated):
            if jid not in seats:
                del self._seated[jid]
        up: list[str] = []
        down: list[str] = []
        for jid in self._candidates(now, seats):
            if len(seats) >= capacity:
                out = self._longest_silent(now, seats - set(fixed))
                if out is None:
                    break
                seats.discard(out)
                down.append(out)
            seats.add(jid)
            up.append(jid)
        for jid in up:
            self._asked[jid] = (True, now)
            self._seated[jid] = now
        for jid in down:
            self._asked[jid] = (False, now)
            self._seated.pop(jid, None)
        return Change(tuple(up), tuple(down))

    def forget(self, jid: str) -> None:
        """The participant left the conference."""
        for table in (self._loud_since, self._last_loud, self._seated, self._asked):
            table.pop(jid, None)

    # --- the parts ----------------------------------------------------------------------------
    def _hear(self, now: float, levels: Mapping[str, float]) -> None:
        t = self.tuning
        for jid, level in levels.items():
            if level > t.threshold:
                self._loud_since.setdefault(jid, now)
                self._last_loud[jid] = now
            elif level < t.threshold / 2:
                self._loud_since.pop(jid, None)
            elif jid in self._loud_since:
                self._last_loud[jid] = now  # between the two thresholds: still the same utterance
        for jid in list(self._loud_since):
            if jid not in levels:
                del self._loud_since[jid]

    def _view(self, now: float, podium: set[str]) -> set[str]:
        """The podium as the room shows it, with the changes asked for and not confirmed yet."""
        for jid, (up, when) in list(self._asked.items()):
            if (jid in podium) == up or now - when >= self.tuning.pending:
                del self._asked[jid]
            elif up:
                podium.add(jid)
            else:
                podium.discard(jid)
        return podium

    def _candidates(self, now: float, seats: set[str]) -> list[str]:
        """Listeners who have spoken for `hold` seconds, the longest-speaking first."""
        ready = [
            (since, jid)
            for jid, since in self._loud_since.items()
            if jid not in seats and now - since >= self.tuning.hold
        ]
        return [jid for _, jid in sorted(ready)]

    def _longest_silent(self, now: float, removable: set[str]) -> str | None:
        t = self.tuning
        choices = []
        for jid in removable:
            if jid in self._loud_since or now - self._seated.get(jid, now) < t.min_stay:
                continue
            last = self._last_loud.get(jid, self._seated.get(jid, now) - t.quiet)
            if now - last >= t.quiet:
                choices.append((last, jid))
        return min(choices)[1] if choices else None
