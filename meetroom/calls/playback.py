"""The peer's voice on the room's loudspeaker: decoded call audio written to an ALSA device.

ALSA writes block, so a thread owns the device; the event loop only converts each decoded frame
to 48 kHz mono s16, scales it, and queues it. The queue holds half a second: when the device
falls behind, the oldest audio is dropped rather than letting the delay grow.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading

import av
import numpy as np

from meetroom.media import audio

log = logging.getLogger(__name__)

QUEUE_FRAMES = 25  # 0.5 s of 20 ms frames


class Playback:
    def __init__(self, device: str) -> None:
        self.device = device
        self.written = 0  # samples handed to the device (tests and diagnostics read it)
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(QUEUE_FRAMES)
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=audio.RATE)
        self._thread = threading.Thread(target=self._run, name=f"playback {device}", daemon=True)
        self._thread.start()

    def push(self, frame: av.AudioFrame, volume: float) -> None:
        """Queue one decoded frame at `volume` (0..1); never blocks the event loop."""
        for out in self._resampler.resample(frame):
            samples = out.to_ndarray().reshape(-1).astype(np.float32) * volume
            chunk = np.clip(samples, -32768, 32767).astype(np.int16)
            try:
                self._queue.put_nowait(chunk)
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._queue.get_nowait()
                self._queue.put_nowait(chunk)

    def _run(self) -> None:
        try:
            container = av.open(self.device, mode="w", format="alsa")
        except Exception as exc:  # PyAV raises many kinds; a busy speaker must not break the call
            log.warning("cannot play call audio on %s: %s", self.device, exc)
            return
        try:
            stream = container.add_stream("pcm_s16le", rate=audio.RATE, layout="mono")
            while True:
                chunk = self._queue.get()
                if chunk is None:
                    break
                for packet in stream.encode(audio.to_audio_frame(chunk, self.written)):
                    container.mux(packet)
                self.written += chunk.size
        except Exception as exc:
            log.warning("call audio on %s stopped: %s", self.device, exc)
        finally:
            container.close()

    def close(self) -> None:
        """Stop after what is queued; returns at once (the thread closes the device)."""
        while True:
            try:
                self._queue.put_nowait(None)
                return
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._queue.get_nowait()

    def join(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()
