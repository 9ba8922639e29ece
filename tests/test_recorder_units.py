"""The recorder in-process: the layout drawn from the frame store, sources mixed, a playable MP4."""

from __future__ import annotations

import asyncio

import av
import numpy as np

from meetroom.media.framestore import SELF, FrameStore
from meetroom.media.recorder import HEIGHT, WIDTH, AudioSource, Recording, compose

LAYOUT = {
    "mainWindowWidth": 1920,
    "mainWindowHeight": 1080,
    "participants": [
        {"peerId": SELF, "left": 0, "top": 0, "width": 960, "height": 1080},
        {"peerId": "peer@x/1", "left": 960, "top": 0, "width": 960, "height": 1080},
    ],
}
RED, BLUE = (200, 20, 20), (20, 20, 200)


def _picture(colour: tuple[int, int, int]) -> np.ndarray:
    return np.full((360, 640, 3), colour, np.uint8)


def _tone(hz: float, start: int, count: int) -> np.ndarray:
    n = np.arange(start, start + count)
    return (np.sin(2 * np.pi * hz * n / 48000) * 6000).astype(np.int16)


def test_compose_places_each_slot_where_the_layout_says():
    canvas = compose(LAYOUT, {SELF: _picture(RED), "peer@x/1": _picture(BLUE)})
    assert canvas.shape == (HEIGHT, WIDTH, 3)
    middle = HEIGHT // 2
    assert tuple(canvas[middle, WIDTH // 4]) == RED and tuple(canvas[middle, 3 * WIDTH // 4]) == BLUE
    assert tuple(canvas[10, WIDTH // 4]) == (0, 0, 0)  # letterboxed: a 16:9 picture in a tall slot


def test_audio_source_gives_silence_when_empty_and_keeps_order():
    source = AudioSource()
    source.push(np.arange(5, dtype=np.int16))
    assert list(source.take(8)) == [0, 1, 2, 3, 4, 0, 0, 0]


async def test_recording_writes_both_pictures_and_the_mixed_sound(tmp_path):
    frames = FrameStore()
    frames.bind_loop(asyncio.get_running_loop())
    frames.put(SELF, _picture(RED))
    frames.put("peer@x/1", _picture(BLUE))
    path = tmp_path / "call.mp4"
    recording = Recording(path, frames, lambda: LAYOUT)
    recording.start()
    pushed = 0
    for _ in range(50):  # one second of 20 ms chunks from two sources
        recording.source("self").push(_tone(440, pushed, 960))
        recording.source("peer@x/1").push(_tone(1000, pushed, 960))
        pushed += 960
        await asyncio.sleep(0.02)
    duration = await recording.stop()
    assert 0.9 <= duration <= 3 and not recording.error

    with av.open(str(path)) as container:
        pictures = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    with av.open(str(path)) as container:
        sound = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    assert len(pictures) >= 10
    left, right = pictures[-1][HEIGHT // 2, WIDTH // 4], pictures[-1][HEIGHT // 2, 3 * WIDTH // 4]
    assert left[0] > 150 and left[2] < 60 and right[2] > 150 and right[0] < 60
    spectrum = np.abs(np.fft.rfft(sound[4800:43200]))
    hz = np.fft.rfftfreq(38400, 1 / 48000)
    strongest = {round(float(hz[i]) / 10) * 10 for i in np.argsort(spectrum)[-6:]}
    assert {440, 1000} <= strongest, strongest


async def test_a_participant_without_consent_is_not_in_the_pictures(tmp_path):
    frames = FrameStore()
    frames.bind_loop(asyncio.get_running_loop())
    frames.put(SELF, _picture(RED))
    frames.put("peer@x/1", _picture(BLUE))
    path = tmp_path / "only-self.mp4"
    recording = Recording(path, frames, lambda: LAYOUT, include=lambda slot: slot == SELF)
    recording.start()
    await asyncio.sleep(0.5)
    await recording.stop()
    with av.open(str(path)) as container:
        last = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)][-1]
    assert last[HEIGHT // 2, WIDTH // 4][0] > 150  # this room
    assert last[HEIGHT // 2, 3 * WIDTH // 4].max() < 30  # the other slot stays black
