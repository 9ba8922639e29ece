"""aiortc tracks of the room's own media, for the calls to send.

The camera track holds the capture pipeline while it lives, so self view is produced exactly
as long as a call (or a viewer) needs it. Both tracks stamp frames with wall-clock based pts.
"""

from __future__ import annotations

import asyncio
import fractions
import time
from typing import TYPE_CHECKING

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from meetroom.media import audio, devices, images
from meetroom.media.framestore import SELF, Frame, to_video_frame

if TYPE_CHECKING:
    from meetroom.media.manager import Media

VIDEO_CLOCK = 90000
FIRST_FRAME_WAIT = 2.0  # seconds the first frame may take before the placeholder is sent instead


class CameraTrack(MediaStreamTrack):
    kind = "video"

    def __init__(self, media: Media) -> None:
        super().__init__()
        self._media = media
        self._seq = 0
        self._start: float | None = None
        self._held = False

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        media = self._media
        if not self._held:
            media.capture.acquire()
            self._held = True
        # a capture just starting (its thread loads the pattern or opens the device) is not unavailable
        patience = FIRST_FRAME_WAIT if self._seq == 0 else max(0.25, 2.0 / media.config.fps)
        got = await media.frames.wait_newer(SELF, self._seq, timeout=patience)
        if got is None:
            cfg = media.config
            picture: Frame = images.placeholder(cfg.width, cfg.height, cfg.name(), "Camera unavailable")
        else:
            picture, self._seq = got
        # off the API loop (turning a picture into a VideoFrame costs as much as a request), at the
        # API's priority: behind the lowered encodes a loaded machine would cut the frame rate
        out = await asyncio.get_running_loop().run_in_executor(None, to_video_frame, picture)
        now = time.monotonic()
        if self._start is None:
            self._start = now
        out.pts = int((now - self._start) * VIDEO_CLOCK)
        out.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        return out

    def stop(self) -> None:
        if self._held:
            self._media.capture.release()
            self._held = False
        super().stop()


class MicrophoneTrack(MediaStreamTrack):
    kind = "audio"

    def __init__(self, media: Media) -> None:
        super().__init__()
        self._media = media
        self._source: audio.ToneMicrophone | audio.AlsaMicrophone | None = None
        self._source_id = ""
        self._pts = 0
        self._start: float | None = None

    def _open(self) -> audio.ToneMicrophone | audio.AlsaMicrophone:
        mic = self._media.current("mic")
        ident = mic.description if mic else devices.VIRTUAL_SILENT_MIC
        if self._source is None or ident != self._source_id:
            if self._source is not None:
                self._source.close()
            self._source_id = ident
            if mic is not None and not mic.virtual:
                try:
                    self._source = audio.AlsaMicrophone(mic.path)
                except Exception:  # an unusable device still yields silence rather than a dead call
                    self._source = audio.ToneMicrophone(silent=True)
            else:
                self._source = audio.ToneMicrophone(silent=ident != devices.VIRTUAL_MIC)
        return self._source

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        source = self._open()
        if isinstance(source, audio.ToneMicrophone):
            now = time.monotonic()
            if self._start is None:
                self._start = now
            due = self._start + self._pts / audio.RATE
            if due > now:
                await asyncio.sleep(due - now)
            samples = source.read()
        else:
            samples = await asyncio.to_thread(source.read)
        if self._media.mutes["mic"]:
            samples = np.zeros_like(samples)
        for tap in self._media.mic_taps:
            tap(self, samples)
        frame = audio.to_audio_frame(samples, self._pts)
        frame.time_base = fractions.Fraction(1, audio.RATE)
        self._pts += samples.size
        return frame

    def stop(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None
        super().stop()
