"""A call's packets take turns with the control API on the event loop.

aiortc sends all the RTP packets of an encoded frame, and handles every datagram already queued,
in one uninterrupted step of the loop: nothing in its send or receive path yields while the
socket is ready. A control panel's request that arrives meanwhile waits for the whole burst
(several milliseconds for a video keyframe). Each peer connection's transports here yield to the
loop after every packet sent and every datagram received, so a request waits for one packet at
most (bench/call_api_latency.py). The patch is per transport instance: other aiortc users are
untouched.

aiortc also measures the level of every audio frame it sends (RFC 6465's header extension) in a
Python loop over each sample, on the loop; `use_fast_audio_level` swaps in the same sum as one
numpy dot product, with the same result.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np

from meetroom.media.audio import rms


def _then_yield(step: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def taking_turns(*args: Any) -> Any:
        result = await step(*args)
        await asyncio.sleep(0)  # the loop polls its sockets before this transport goes on
        return result

    return taking_turns


def take_turns(dtls: Any) -> None:
    """Yield after each RTP/RTCP packet `dtls` (an RTCDtlsTransport) sends and each datagram it reads."""
    if getattr(dtls, "_meetroom_turns", False):
        return
    dtls._send_rtp = _then_yield(dtls._send_rtp)
    ice = dtls.transport
    ice._recv = _then_yield(ice._recv)
    dtls._meetroom_turns = True


QUIETEST_DBOV = -127


def audio_level_dbov(frame: Any) -> int:
    """RFC 6465's level of an s16 AudioFrame, as aiortc computes it, in numpy instead of a Python
    loop over every sample (aiortc runs it on the loop for each 20 ms of sound it sends)."""
    level = rms(np.frombuffer(memoryview(frame.planes[0]), dtype=np.int16), count=frame.samples)
    if level <= 0:
        return QUIETEST_DBOV
    return round(min(0.0, max(float(QUIETEST_DBOV), 20 * math.log10(level))))


_aiortc_audio_level: Callable[[Any], int] | None = None


def use_fast_audio_level() -> None:
    """aiortc's senders measure each audio frame with `audio_level_dbov` (same result)."""
    global _aiortc_audio_level
    if _aiortc_audio_level is not None:
        return
    import aiortc.rtp

    _aiortc_audio_level = aiortc.rtp.compute_audio_level_dbov
    aiortc.rtp.compute_audio_level_dbov = audio_level_dbov
