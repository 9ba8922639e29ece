"""A video or picture file as a camera: decoded with PyAV at the file's own pace, looped, scaled to
the camera mode; a still picture is delivered again at the camera's rate.

`meetroom peer --camera FILE` plays one so that integrators' tests see known, moving pictures
in calls, and a device tree's /dev node that is a plain file is one (tests play a photo). The
capture thread asks for frames at the mode's rate; this source hands out the frame
whose time has come (repeating it when asked early, skipping when asked late) and starts over at
the end of the file. Only the video is used; the microphone stays the room's own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import numpy as np

from meetroom.media.devices import TYPE_VIRTUAL, Device

log = logging.getLogger(__name__)

VIDEO_FILE = "virtual:video-file"


def video_file_camera(path: Path) -> Device:
    """The camera device a video file appears as in getHardware (virtual, like the test pattern)."""
    return Device(f"video file {path.name}", VIDEO_FILE, TYPE_VIRTUAL, "camera", str(path))


def check_video_file(path: Path) -> str:
    """'' when PyAV can decode a video frame from `path`, else why not (checked before a peer starts)."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return f"{path}: no video stream"
            next(container.decode(video=0))
    except (OSError, av.FFmpegError, StopIteration) as exc:
        return f"{path}: cannot decode video: {exc}"
    return ""


class FileSource:
    live = True

    def __init__(self, path: str, width: int, height: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.path, self.width, self.height, self.clock = path, width, height, clock
        self._container: av.container.InputContainer | None = None
        self._frames: Iterator[av.VideoFrame] = iter(())
        self._current: np.ndarray | None = None
        self._next: av.VideoFrame | None = None
        self._still: np.ndarray | None = None
        self._start = 0.0
        self._open()

    def _open(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container = av.open(self.path)
        stream = self._container.streams.video[0]
        stream.thread_type = "AUTO"
        self._time_base = float(stream.time_base or 0) or 1 / 90000
        rate = stream.average_rate or stream.guessed_rate
        self._frame_seconds = 1 / float(rate) if rate else 1 / 25
        self._frames = self._container.decode(stream)
        self._start = self.clock()
        self._count = 0
        self._offset = 0.0
        self._next = self._decode()
        if self._next is None:
            raise ValueError(f"{self.path}: no video frames")
        if stream.frames <= 1 and self._decode() is None:  # a picture: decode it once, keep it
            self._still = self._next.reformat(self.width, self.height, "rgb24").to_ndarray()
            self.close()
            return
        self._offset = self._due(self._next)  # files need not start at time 0

    def _decode(self) -> av.VideoFrame | None:
        return next(self._frames, None)

    def _due(self, frame: av.VideoFrame) -> float:
        """Seconds after the start of this pass at which `frame` is shown."""
        if frame.pts is not None:
            return frame.pts * self._time_base - self._offset
        return self._count * self._frame_seconds

    def read(self) -> np.ndarray:
        if self._still is not None:
            return self._still.copy()
        elapsed = self.clock() - self._start
        while self._next is not None and (self._current is None or self._due(self._next) <= elapsed):
            frame = self._next
            self._count += 1
            self._next = self._decode()
            if self._next is None or self._due(self._next) > elapsed:
                self._current = frame.reformat(self.width, self.height, "rgb24").to_ndarray()
        if self._next is None:  # the end: start over, showing the last picture until the first is due
            self._open()
        assert self._current is not None
        return self._current

    def close(self) -> None:
        if self._container is not None:
            try:
                self._container.close()
            except Exception:
                log.debug("closing %s failed", self.path, exc_info=True)
            self._container = None
