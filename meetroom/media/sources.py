"""Where self-view pixels come from: the test pattern, a V4L2 camera through PyAV, or a still."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

import av
import numpy as np

from meetroom.media.pattern import TestPattern

log = logging.getLogger(__name__)


class VideoSource(Protocol):
    live: bool  # False for a still that needs no steady frame rate

    def read(self) -> np.ndarray:
        """The next frame; a real camera blocks until one arrives."""
        ...

    def close(self) -> None: ...


class PatternSource:
    live = True

    def __init__(self, width: int, height: int, name: Callable[[], str]) -> None:
        self.width, self.height = width, height
        self._name = name
        self._pattern = TestPattern(width, height, name())

    def read(self) -> np.ndarray:
        name = self._name()
        if name != self._pattern.name:
            self._pattern = TestPattern(self.width, self.height, name)
        return self._pattern.render(time.time())

    def close(self) -> None:
        pass


class StillSource:
    live = False

    def __init__(self, frame: np.ndarray) -> None:
        self.frame = frame

    def read(self) -> np.ndarray:
        return self.frame

    def close(self) -> None:
        pass


class V4L2Source:
    """A real camera; frames are converted to RGB at the requested size."""

    live = True

    def __init__(self, path: str, width: int, height: int, fps: int) -> None:
        self.width, self.height = width, height
        options = {"video_size": f"{width}x{height}", "framerate": str(fps)}
        try:
            self._container = av.open(path, format="v4l2", options=options)
        except av.FFmpegError:  # the camera lacks that mode: take its default and scale
            self._container = av.open(path, format="v4l2")
        self._frames = self._container.decode(video=0)

    def read(self) -> np.ndarray:
        frame = next(self._frames)
        if (frame.width, frame.height) != (self.width, self.height):
            frame = frame.reformat(width=self.width, height=self.height)
        return frame.to_ndarray(format="rgb24")

    def close(self) -> None:
        try:
            self._container.close()
        except Exception:  # closing a vanished device must not take the room down
            log.debug("closing camera failed", exc_info=True)
