"""The room's content stream: the shared slide or X window as frames, and the track calls send.

One producer at a time writes the content's frames into the frame store under `OWN_CONTENT`
(the slot id the documentation gives the room's own content, so /frames/ previews it); every
call leg's `ContentTrack` sends the newest of them, as `CameraTrack` does with self view.
A slide is one still picture (put again when the show moves on); a screen or window comes from
x11grab at `SCREEN_FPS`. What is sent is at most `MAX_SIZE`: bigger pictures are scaled down.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from meetroom.media.desktop import Capturable, X11Grab, display_name
from meetroom.media.framestore import Frame, FrameStore, to_video_frame

log = logging.getLogger(__name__)

OWN_CONTENT = "#contentSharing:slideShowOrDs:1"
SCREEN_FPS = 10
MAX_SIZE = (1280, 720)
REPEAT = 1.0  # seconds: a still picture is sent again this often (late decoders get it)
VIDEO_CLOCK = 90000
SLIDE_POLL = 0.2  # seconds between looks at the slideshow's current slide


def fit(width: int, height: int, box: tuple[int, int] = MAX_SIZE) -> tuple[int, int]:
    """The even size within `box` keeping the aspect ratio (unchanged when it fits)."""
    scale = min(1.0, box[0] / width, box[1] / height)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def load_slide(path: Path) -> Any:
    """A prepared slide (JPEG) as an RGB array of at most MAX_SIZE."""
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        rgb = image.convert("RGB")
        size = fit(*rgb.size)
        if size != rgb.size:
            rgb = rgb.resize(size, Image.Resampling.LANCZOS)
        return np.asarray(rgb)


class ContentProducer:
    """Writes the shared source's frames to the frame store until stopped."""

    def __init__(self, frames: FrameStore) -> None:
        self.frames = frames
        self._grab: X11Grab | None = None
        self._task: asyncio.Task | None = None

    def start_window(self, target: Capturable, display: str | None = None) -> None:
        """x11grab the rectangle of `target`; raises when the display cannot be read."""
        self.stop()
        grab = X11Grab(display or display_name(), target, SCREEN_FPS, lambda rgb: self.frames.put(OWN_CONTENT, rgb))
        grab.start()
        self._grab = grab

    def start_slides(self, current: Callable[[], Any]) -> None:
        """Follow the slideshow: `current()` is an awaitable of the current slide's picture path."""
        self.stop()
        self._task = asyncio.ensure_future(self._follow_slides(current))

    async def _follow_slides(self, current: Callable[[], Any]) -> None:
        shown: Path | None = None
        while True:
            path = await current()
            if path is not None and path != shown:
                try:
                    rgb = await asyncio.to_thread(load_slide, path)
                except OSError as exc:
                    log.info("cannot read slide %s: %s", path, exc)
                else:
                    self.frames.put(OWN_CONTENT, rgb)
                    shown = path
            await asyncio.sleep(SLIDE_POLL)

    def stop(self) -> None:
        if self._grab is not None:
            self._grab.stop()
            self._grab = None
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.frames.remove(OWN_CONTENT)


def _sendable(frame: Frame) -> Any:
    """A shared frame as a VideoFrame no larger than a call's content stream."""
    out = to_video_frame(frame)
    size = fit(out.width, out.height)
    if size != (out.width, out.height):
        out = out.reformat(width=size[0], height=size[1])
    return out


class ContentTrack(MediaStreamTrack):
    """One leg's content video: the newest shared frame, repeated while it stays the same."""

    kind = "video"

    def __init__(self, frames: FrameStore) -> None:
        super().__init__()
        self._frames = frames
        self._seq = 0
        self._start: float | None = None

    async def recv(self) -> Any:
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            got = await self._frames.wait_newer(OWN_CONTENT, self._seq, timeout=REPEAT)
            if got is not None:
                break
        frame, self._seq = got
        # converting and scaling a shared screen: off the API loop, as CameraTrack does
        out = await asyncio.get_running_loop().run_in_executor(None, _sendable, frame)
        now = time.monotonic()
        if self._start is None:
            self._start = now
        out.pts = int((now - self._start) * VIDEO_CLOCK)
        out.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        return out


def stop_quietly(track: MediaStreamTrack) -> None:
    with contextlib.suppress(Exception):
        track.stop()
