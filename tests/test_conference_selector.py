"""The smart meeting's video selector on its own: audio levels in, podium changes out, fake clock."""

from __future__ import annotations

from meetroom.calls.conference.selector import SPEAKING_LEVEL, Change, SpeakerSelector, Tuning

OWN, B, C, D = "own", "b", "c", "d"
LOUD, SOFT, SILENT = 0.2, SPEAKING_LEVEL * 0.75, 0.0
STEP = 0.2


class Run:
    """Samples every STEP seconds; `podium` follows what the selector asked for, as the room would."""

    def __init__(self, capacity: int, podium: set[str] | None = None, tuning: Tuning | None = None) -> None:
        self.selector = SpeakerSelector(tuning or Tuning())
        self.capacity, self.now = capacity, 0.0
        self.podium = podium if podium is not None else {OWN}
        self.changes: list[tuple[float, Change]] = []

    def run(self, seconds: float, levels: dict[str, float], *, confirm: bool = True) -> None:
        end = self.now + seconds
        while self.now < end - 1e-9:
            change = self.selector.step(self.now, levels, set(self.podium), self.capacity, {OWN})
            if change:
                self.changes.append((round(self.now, 3), change))
                if confirm:
                    self.podium = (self.podium - set(change.down)) | set(change.up)
            self.now = round(self.now + STEP, 6)


def test_a_speaker_goes_up_after_the_hold_and_a_silent_one_never():
    r = Run(capacity=3)
    r.run(0.6, {B: LOUD, C: SILENT})
    assert r.changes == []  # not yet: loud for less than the hold (samples at 0, 0.2, 0.4)
    r.run(0.2, {B: LOUD, C: SILENT})
    assert r.changes == [(0.6, Change(up=(B,)))]
    r.run(10, {B: LOUD, C: SILENT})
    assert r.podium == {OWN, B} and len(r.changes) == 1  # C stays off; B is asked once


def test_a_short_noise_is_not_a_speaker():
    r = Run(capacity=3)
    for _ in range(10):
        r.run(0.2, {B: LOUD})
        r.run(0.4, {B: SILENT})
    assert r.changes == []


def test_a_full_podium_lets_the_longest_silent_speaker_go():
    r = Run(capacity=3, podium={OWN, B, C})
    r.run(6, {B: LOUD, C: LOUD})  # both have spoken and sat long enough
    r.run(3, {B: SILENT, C: LOUD})
    r.run(1, {B: SILENT, C: SILENT})  # B silent since 6 s, C since 9 s
    start = r.now
    r.run(1, {B: SILENT, C: SILENT, D: LOUD})
    assert r.changes == [(round(start + 0.6, 3), Change(up=(D,), down=(B,)))]
    assert r.podium == {OWN, C, D}


def test_no_flapping_a_fresh_speaker_stays_and_a_speaking_one_is_never_taken_down():
    r = Run(capacity=2)  # the owner and one seat
    r.run(1, {B: LOUD, C: SILENT})
    assert r.podium == {OWN, B}
    # C starts speaking while B has just sat down and is silent: B keeps its seat for min_stay
    r.run(1.5, {B: SILENT, C: LOUD})
    assert r.podium == {OWN, B}
    r.run(3, {B: SILENT, C: LOUD})
    assert r.podium == {OWN, C}
    # both speak now: nobody is taken down while speaking, so B waits
    r.run(8, {B: LOUD, C: LOUD})
    assert r.podium == {OWN, C}
    # a level between half the threshold and the threshold continues C's utterance
    r.run(8, {B: LOUD, C: SOFT})
    assert r.podium == {OWN, C}
    assert [c.up for _, c in r.changes] == [(B,), (C,)]


def test_fixed_speakers_are_never_taken_down_and_a_full_fixed_podium_waits():
    r = Run(capacity=2, podium={OWN, "mod"})
    selector, podium = r.selector, {OWN, "mod"}
    for step in range(50):
        change = selector.step(step * STEP, {"mod": SILENT, B: LOUD}, podium, 2, {OWN, "mod"})
        assert not change


def test_an_asked_change_counts_until_the_room_confirms_or_it_is_too_old():
    r = Run(capacity=3)
    r.run(0.8, {B: LOUD}, confirm=False)  # asked at 0.6
    r.run(2.8, {B: LOUD}, confirm=False)  # the room has not shown B's voice yet: not asked again
    assert [c.up for _, c in r.changes] == [(B,)]
    r.run(0.4, {B: LOUD}, confirm=False)  # 3 s later the request counts as lost: asked again
    assert [c.up for _, c in r.changes] == [(B,), (B,)]


def test_a_participant_who_left_is_forgotten():
    r = Run(capacity=3)
    r.run(0.2, {B: LOUD})
    r.selector.forget(B)
    r.run(0.2, {C: SILENT})
    r.run(0.4, {B: LOUD})
    assert r.changes == []  # B's earlier sound does not count towards its hold
