"""What a call leaves on the API's event loop (media/loopshare.py, the tracks): packets take turns
with other callbacks, the audio level is aiortc's own figure computed in numpy, the tone is
sliced from one precomputed second. In-process; no sockets."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from aiortc import rtp

from meetroom.media import audio, loopshare


class FakeTransports:
    """Stands in for aiortc's RTCDtlsTransport and its RTCIceTransport: only the two coroutines
    the patch wraps, each recording when it ran (a real pair needs a connected peer)."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.transport = self  # the DTLS transport's ICE transport

    async def _send_rtp(self, data: bytes) -> None:
        self.log.append(f"send {data.decode()}")

    async def _recv(self) -> bytes:
        self.log.append("recv")
        return b"datagram"


def _other_work(log: list[str], times: int) -> None:
    """A chain of loop callbacks, one per iteration, as a control request's steps would run."""
    if times:
        log.append("other")
        asyncio.get_running_loop().call_soon(_other_work, log, times - 1)


async def _burst(transports: FakeTransports, packets: int) -> None:
    for i in range(packets):
        await transports._send_rtp(str(i).encode())


async def test_without_turns_a_frames_packets_go_out_in_one_uninterrupted_step():
    log: list[str] = []
    transports = FakeTransports(log)
    asyncio.get_running_loop().call_soon(_other_work, log, 3)
    await _burst(transports, 3)
    await asyncio.sleep(0)
    assert log[:3] == ["send 0", "send 1", "send 2"]  # why the patch exists


async def test_with_turns_other_callbacks_run_between_packets_sent_and_datagrams_read():
    log: list[str] = []
    transports = FakeTransports(log)
    loopshare.take_turns(transports)
    loopshare.take_turns(transports)  # once per transport, however often a description is set
    asyncio.get_running_loop().call_soon(_other_work, log, 3)
    await _burst(transports, 3)
    assert log == ["send 0", "other", "send 1", "other", "send 2", "other"]
    log.clear()
    asyncio.get_running_loop().call_soon(_other_work, log, 2)
    assert await transports.transport._recv() == b"datagram"
    assert await transports.transport._recv() == b"datagram"
    assert log == ["recv", "other", "recv", "other"]


def _frame(samples: np.ndarray):
    return audio.to_audio_frame(np.ascontiguousarray(samples, dtype=np.int16), 0)


def _aiortc_level():
    original = loopshare._aiortc_audio_level or rtp.compute_audio_level_dbov
    assert original is not loopshare.audio_level_dbov
    return original


@pytest.mark.parametrize(
    "samples",
    [
        np.zeros(audio.FRAME_SAMPLES),
        np.ones(audio.FRAME_SAMPLES),
        np.full(audio.FRAME_SAMPLES, -32768),
        np.where(np.arange(audio.FRAME_SAMPLES) % 2, 32767, -32768),
        audio.tone(0.02),
        np.random.default_rng(7).normal(0, 3000, audio.FRAME_SAMPLES).clip(-32768, 32767),
        np.random.default_rng(8).normal(0, 2, audio.FRAME_SAMPLES),
    ],
    ids=["silence", "one", "negative-full-scale", "square", "tone", "speech-like", "near-silence"],
)
def test_the_audio_level_is_the_figure_aiortc_computes(samples):
    frame = _frame(samples)
    assert loopshare.audio_level_dbov(frame) == _aiortc_level()(frame)


def test_aiortc_senders_use_the_numpy_level_once_installed():
    loopshare.use_fast_audio_level()
    original = loopshare._aiortc_audio_level
    loopshare.use_fast_audio_level()
    assert rtp.compute_audio_level_dbov is loopshare.audio_level_dbov
    assert loopshare._aiortc_audio_level is original is not None


def test_the_tone_microphone_plays_a_continuous_tone_from_its_precomputed_second():
    mic = audio.ToneMicrophone()
    played = np.concatenate([mic.read() for _ in range(120)])  # 2.4 s: past the table's wrap
    assert played.size == 120 * audio.FRAME_SAMPLES
    assert np.abs(played.astype(int) - audio.tone(2.4).astype(int)).max() <= 1
    frame = mic.read()
    frame[:] = 0  # a caller that mutes in place must not silence the table
    assert audio.level(mic.read()) > 0.1
    assert not audio.ToneMicrophone(silent=True).read().any()


@pytest.mark.parametrize(
    "samples",
    [
        np.zeros(audio.FRAME_SAMPLES),
        np.full(audio.FRAME_SAMPLES, -32768),
        audio.tone(0.02),
        np.random.default_rng(9).normal(0, 3000, (1, 2 * audio.FRAME_SAMPLES)).clip(-32768, 32767),
    ],
    ids=["silence", "negative-full-scale", "tone", "stereo-plane"],
)
def test_the_dot_product_rms_is_the_plain_formula(samples):
    samples = samples.astype(np.int16)
    plain = float(np.sqrt(np.mean(np.square(samples.astype(np.float64))))) / 32767
    assert audio.rms(samples) == pytest.approx(plain, rel=1e-12, abs=1e-15)
    assert audio.level(samples) == round(min(1.0, plain), 4)
    assert audio.rms(np.zeros(0, dtype=np.int16)) == 0.0
