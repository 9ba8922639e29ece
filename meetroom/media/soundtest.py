"""Microphone level test and audio delay (echo) detector, both fed by the real microphone samples.

The delay detector plays a short click train on the selected speaker and looks for it in what
the microphone hears (cross-correlation); with the null speaker, or no acoustic path, nothing
comes back and the test reports that no echo was found (delay -1).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import numpy as np

from meetroom.media import audio

LEVEL_INTERVAL = 0.2  # seconds between testAudioCapturerLevel notifications
LEVEL_TEST_LIMIT = 300.0  # a forgotten level test ends by itself
DELAY_TEST_SECONDS = 1.5
ECHO_THRESHOLD = 0.3  # normalised correlation needed to call something an echo

Reader = Callable[[], Awaitable[np.ndarray]]


async def paced_frames(read: Reader, seconds: float) -> list[np.ndarray]:
    """Read 20 ms frames at real-time pace for `seconds`."""
    frames = []
    start = time.monotonic()
    count = int(seconds * audio.RATE / audio.FRAME_SAMPLES)
    for i in range(count):
        frames.append(await read())
        due = start + (i + 1) * audio.FRAME_SAMPLES / audio.RATE
        await asyncio.sleep(max(0.0, due - time.monotonic()))
    return frames


async def run_level_test(read: Reader, muted: Callable[[], bool], report: Callable[[float], None]) -> None:
    """Report the RMS level of the microphone every LEVEL_INTERVAL until cancelled."""
    deadline = time.monotonic() + LEVEL_TEST_LIMIT
    while time.monotonic() < deadline:
        frames = await paced_frames(read, LEVEL_INTERVAL)
        samples = np.concatenate(frames)
        report(0.0 if muted() else audio.level(samples))


def probe_signal() -> np.ndarray:
    """Three clicks 300 ms apart: easy to find by correlation, distinct from a steady tone."""
    signal = np.zeros(int(audio.RATE * 0.7), np.float64)
    click = np.hanning(96) * np.sin(np.arange(96) * 0.9)
    for start in (0, int(audio.RATE * 0.3), int(audio.RATE * 0.6)):
        signal[start : start + click.size] += click
    return signal


def find_delay(played: np.ndarray, heard: np.ndarray) -> int:
    """Delay in ms of `played` inside `heard`, or -1 when it is not there."""
    heard = heard.astype(np.float64)
    if heard.size < played.size or not np.any(heard):
        return -1
    valid = heard.size - played.size + 1
    size = 1 << (heard.size + played.size).bit_length()  # FFT correlation: direct would take seconds
    corr = np.fft.irfft(np.fft.rfft(heard, size) * np.conj(np.fft.rfft(played, size)), size)[:valid]
    squares = np.concatenate([[0.0], np.cumsum(np.square(heard))])
    window = np.sqrt(np.maximum(squares[played.size :] - squares[:valid], 0.0))
    energy = window * np.linalg.norm(played)
    score = np.divide(np.abs(corr), energy, out=np.zeros_like(corr), where=energy > 1e-9)
    best = int(np.argmax(score))
    if score[best] < ECHO_THRESHOLD:
        return -1
    return round(best * 1000 / audio.RATE)


async def run_delay_test(read: Reader, play: Callable[[np.ndarray], None]) -> int:
    """Play the probe and listen; the measured delay in ms or -1."""
    probe = probe_signal()
    play(probe)
    frames = await paced_frames(read, DELAY_TEST_SECONDS)
    return await asyncio.to_thread(find_delay, probe, np.concatenate(frames))
