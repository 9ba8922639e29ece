"""The room's sound: a tone or silent virtual microphone, ALSA capture, and a level meter.

Samples are 48 kHz mono signed 16-bit, in 20 ms frames (what WebRTC's Opus path uses). The
level the microphone test reports is computed from these very samples, so a muted or silent
microphone really reads zero.
"""

from __future__ import annotations

import functools
import math

import av
import numpy as np

RATE = 48000
FRAME_SAMPLES = 960  # 20 ms
TONE_HZ = 440.0
TONE_AMPLITUDE = 0.25


@functools.cache
def _tone_second() -> np.ndarray:
    """One second of the tone, computed once: the microphone slices it for every 20 ms frame."""
    return tone(1.0)


class ToneMicrophone:
    """A sine tone (or silence); continuous phase across frames."""

    def __init__(self, silent: bool = False) -> None:
        self.silent = silent
        self._t = 0

    def read(self) -> np.ndarray:
        start = self._t % RATE  # one second holds a whole number of periods and of frames
        self._t += FRAME_SAMPLES
        if self.silent:
            return np.zeros(FRAME_SAMPLES, np.int16)
        return _tone_second()[start : start + FRAME_SAMPLES].copy()

    def close(self) -> None:
        pass


class AlsaMicrophone:
    """A real microphone through PyAV's ALSA input, resampled to 48 kHz mono s16."""

    def __init__(self, hw: str) -> None:
        self._container = av.open(hw, format="alsa")
        self._frames = self._container.decode(audio=0)
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        self._buffer = np.zeros(0, np.int16)

    def read(self) -> np.ndarray:
        while self._buffer.size < FRAME_SAMPLES:
            for out in self._resampler.resample(next(self._frames)):
                self._buffer = np.concatenate([self._buffer, out.to_ndarray().reshape(-1)])
        chunk, self._buffer = self._buffer[:FRAME_SAMPLES], self._buffer[FRAME_SAMPLES:]
        return chunk

    def close(self) -> None:
        self._container.close()


def play_alsa(hw: str, samples: np.ndarray) -> None:
    """Play 48 kHz mono s16 samples on an ALSA device through PyAV's ALSA output (blocks)."""
    container = av.open(hw, mode="w", format="alsa")
    try:
        stream = container.add_stream("pcm_s16le", rate=RATE, layout="mono")
        for start in range(0, samples.size, FRAME_SAMPLES):
            frame = to_audio_frame(np.ascontiguousarray(samples[start : start + FRAME_SAMPLES]), start)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    finally:
        container.close()


def tone(seconds: float, hz: float = TONE_HZ) -> np.ndarray:
    n = np.arange(int(seconds * RATE))
    return (np.sin(2 * math.pi * hz * n / RATE) * TONE_AMPLITUDE * 32767).astype(np.int16)


FULL_SCALE = 32767


def rms(samples: np.ndarray, count: int | None = None) -> float:
    """RMS of s16 samples relative to full scale, as one dot product: it runs on the event loop
    for every 20 ms of sound a call sends and receives. `count` divides instead of the number of
    samples given (RFC 6465's level, as aiortc computes it, sums a plane's padding too)."""
    flat = samples.reshape(-1).astype(np.float64)
    count = flat.size if count is None else count
    if count == 0:
        return 0.0
    return math.sqrt(float(np.dot(flat, flat)) / count) / FULL_SCALE


def level(samples: np.ndarray) -> float:
    """RMS level of s16 samples on a 0..1 scale (1 = a full-scale square wave)."""
    return round(min(1.0, rms(samples)), 4)


def to_audio_frame(samples: np.ndarray, pts: int) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = RATE
    frame.pts = pts
    return frame
