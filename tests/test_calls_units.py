"""Pieces of meetroom.calls that need no server: loudspeaker playback through PyAV's ALSA output."""

from __future__ import annotations

import fractions

import av
import numpy as np

from meetroom.calls.playback import Playback


def opus_like_frame(pts: int) -> av.AudioFrame:
    """What aiortc's Opus decoder hands out: 20 ms of interleaved stereo s16 at 48 kHz."""
    t = (np.arange(960) + pts) / 48000
    mono = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)
    frame = av.AudioFrame.from_ndarray(np.repeat(mono, 2).reshape(1, -1), format="s16", layout="stereo")
    frame.sample_rate, frame.pts, frame.time_base = 48000, pts, fractions.Fraction(1, 48000)
    return frame


def null_alsa(tmp_path, monkeypatch) -> None:
    """ALSA's null PCM, declared in a private alsa.conf, stands in for a sound card."""
    conf = tmp_path / "alsa.conf"
    conf.write_text("pcm.null {\n type null\n}\n")
    monkeypatch.setenv("ALSA_CONFIG_PATH", str(conf))


def test_playback_writes_every_sample_to_the_device_as_mono(tmp_path, monkeypatch):
    null_alsa(tmp_path, monkeypatch)
    player = Playback("null")
    for i in range(10):
        player.push(opus_like_frame(i * 960), volume=0.5)
    player.close()
    assert player.join(5.0)
    assert player.written == 10 * 960


def test_playback_on_a_missing_device_gives_up_quietly(tmp_path, monkeypatch):
    null_alsa(tmp_path, monkeypatch)
    player = Playback("hw:97,0")
    player.push(opus_like_frame(0), volume=1.0)
    player.close()
    assert player.join(5.0)
    assert player.written == 0
