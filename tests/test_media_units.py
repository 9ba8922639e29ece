"""The media building blocks on their own: frame store, pattern, PTZ maths, tracks, echo finder."""

from __future__ import annotations

import asyncio
import io

import av
import numpy as np
import pytest
from PIL import Image

from meetroom.app import Room, RoomOptions
from meetroom.media import audio, ptz, soundtest
from meetroom.media.framestore import SELF, FrameStore
from meetroom.media.pattern import TestPattern
from meetroom.store.files import clean_name, parse_id


async def test_sixteen_pollers_share_one_encode():
    store = FrameStore()
    store.bind_loop(asyncio.get_running_loop())
    frame = TestPattern(640, 360, "unit").render(0.0)
    store.put("peer@server/1", frame)
    results = await asyncio.gather(*(store.jpeg("peer@server/1", 75) for _ in range(16)))
    assert store.encodes == 1
    assert len(set(results)) == 1
    assert Image.open(io.BytesIO(results[0])).size == (640, 360)
    store.put("peer@server/1", TestPattern(640, 360, "unit").render(1.0))
    await store.jpeg("peer@server/1", 75)
    assert store.encodes == 2
    assert await store.jpeg("unknown", 75) is None


async def test_remote_video_frames_can_be_stored_as_av_frames():
    store = FrameStore()
    store.bind_loop(asyncio.get_running_loop())
    rgb = TestPattern(320, 180, "remote").render(0.0)
    store.put("alice@server/x", av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p"))
    image = Image.open(io.BytesIO(await store.jpeg("alice@server/x", 90)))
    assert image.size == (320, 180)


async def test_waiters_wake_on_a_new_frame():
    store = FrameStore()
    store.bind_loop(asyncio.get_running_loop())
    waiter = asyncio.create_task(store.wait_newer(SELF, 0, timeout=5))
    await asyncio.sleep(0)
    frame = np.zeros((2, 2, 3), np.uint8)
    store.put(SELF, frame)
    got = await asyncio.wait_for(waiter, 2)
    assert got is not None and got[1] == 1 and got[0] is frame


def test_pattern_frames_taken_apart_differ():
    pattern = TestPattern(1280, 720, "Board room")
    a, b = pattern.render(100.0), pattern.render(101.0)
    assert a.shape == (720, 1280, 3)
    assert np.any(a != b)


def test_digital_ptz_window():
    assert ptz.crop_rect(1280, 720, 0, 0, 100) == (0, 0, 1280, 720)
    assert ptz.crop_rect(1280, 720, 0, 0, 400) == (480, 270, 320, 180)
    assert ptz.crop_rect(1280, 720, 100, 100, 400) == (960, 0, 320, 180)  # right edge, top edge
    assert ptz.crop_rect(1280, 720, -100, -100, 200) == (0, 360, 640, 360)
    position = ptz.PtzPosition()
    assert position.set("zoom", 9999) and position.values["zoom"] == 400
    frame = TestPattern(640, 360, "p").render(0.0)
    assert ptz.apply(frame, position).shape == frame.shape


def test_echo_finder():
    probe = soundtest.probe_signal()
    heard = np.zeros(audio.RATE, np.float64)
    offset = int(audio.RATE * 0.12)
    heard[offset : offset + probe.size] += probe * 0.5
    heard += np.random.default_rng(1).normal(0, 0.01, heard.size)
    assert soundtest.find_delay(probe, (heard * 32767).astype(np.int16)) == 120
    tone = audio.ToneMicrophone()
    steady = np.concatenate([tone.read() for _ in range(60)])
    assert soundtest.find_delay(probe, steady) == -1
    assert soundtest.find_delay(probe, np.zeros(audio.RATE, np.int16)) == -1


def test_file_names_and_ids():
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("..%2F..%2Fx.png") == "x.png"
    assert clean_name("C:\\Users\\me\\photo.jpg") == "photo.jpg"
    assert clean_name("") == "file"
    assert parse_id("42") == 42
    for bad in ("-1", "0", "4e3", "../1", "１２", True, None, 0, "9" * 20):
        assert parse_id(bad) is None


@pytest.fixture
async def media_room(tmp_path):
    room = Room(RoomOptions(data_dir=tmp_path, data_dir_given=True))
    await room.media.start()
    yield room
    await room.media.close()
    room.store.close()


async def test_camera_track_gives_frames_while_held(media_room):
    media = media_room.media
    track = media.camera_track()
    first = await asyncio.wait_for(track.recv(), 5)
    second = await asyncio.wait_for(track.recv(), 5)
    assert isinstance(first, av.VideoFrame) and (first.width, first.height) == (1280, 720)
    assert second.pts > first.pts
    assert media.capture.running
    media.set_mute("video", True)
    muted = await asyncio.wait_for(track.recv(), 5)
    deadline = asyncio.get_running_loop().time() + 3
    while muted.to_ndarray(format="rgb24").mean() > 60 and asyncio.get_running_loop().time() < deadline:
        muted = await asyncio.wait_for(track.recv(), 5)
    assert muted.to_ndarray(format="rgb24").mean() < 60
    track.stop()


async def test_microphone_track_follows_mute(media_room):
    media = media_room.media
    track = media.microphone_track()
    frame = await asyncio.wait_for(track.recv(), 2)
    assert isinstance(frame, av.AudioFrame) and frame.samples == audio.FRAME_SAMPLES and frame.sample_rate == 48000
    assert audio.level(frame.to_ndarray()) > 0.1
    media.set_mute("mic", True)
    frame = await asyncio.wait_for(track.recv(), 2)
    assert audio.level(frame.to_ndarray()) == 0.0
    track.stop()


def test_alsa_devices_are_used_through_pyav(tmp_path, monkeypatch):
    """ALSA's null PCM (declared in a private alsa.conf) stands in for a sound card."""
    conf = tmp_path / "alsa.conf"
    conf.write_text("pcm.null {\n type null\n}\n")
    monkeypatch.setenv("ALSA_CONFIG_PATH", str(conf))
    audio.play_alsa("null", audio.tone(0.1))
    mic = audio.AlsaMicrophone("null")
    try:
        assert mic.read().shape == (audio.FRAME_SAMPLES,)
    finally:
        mic.close()


def test_a_slow_holder_caps_the_capture_rate_unless_someone_needs_more():
    from meetroom.media.capture import Capture, SelfViewConfig
    from meetroom.media.devices import VIRTUAL_DEVICES

    config = SelfViewConfig(camera=VIRTUAL_DEVICES[0], width=320, height=180, fps=30)
    capture = Capture(FrameStore(), config)

    def rate_over(seconds: float) -> float:
        import time

        start, frames = time.monotonic(), capture.frames
        time.sleep(seconds)
        return (capture.frames - frames) / (time.monotonic() - start)

    capture.acquire(fps=5)
    try:
        rate_over(0.3)  # first frame and warm-up
        assert 3 <= rate_over(1.0) <= 7
        capture.acquire()  # a call needs the full rate
        rate_over(0.2)
        assert rate_over(1.0) >= 20
        capture.release()
        rate_over(0.3)
        assert rate_over(1.0) <= 7
    finally:
        capture.stop()
    assert not capture.running
