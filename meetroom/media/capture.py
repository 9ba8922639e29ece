"""The self-view pipeline: camera (or still) -> digital PTZ -> rotation -> frame store '#self:0'.

It runs in one thread and only while someone consumes self view: a holder (broadcast selfie,
an outgoing call track) or a recent /frames/ viewer (kept for VIEWER_GRACE seconds after its
last request). An idle room therefore spends no CPU on video at all; the first request after
idle waits for one fresh frame, which the test pattern produces in about a millisecond.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from meetroom.media import images, ptz
from meetroom.media.devices import Device
from meetroom.media.framestore import SELF, FrameStore
from meetroom.media.priority import lower_this_thread

if TYPE_CHECKING:  # the sources (PyAV, NumPy, Pillow) load in the capture thread, at the first demand
    import numpy as np

    from meetroom.media.sources import VideoSource

log = logging.getLogger(__name__)

VIEWER_GRACE = 5.0
STILL_FPS = 5
RETRY_SECONDS = 2.0


@dataclass
class SelfViewConfig:
    """What the pipeline should produce; handlers change it, the thread reads it every frame."""

    camera: Device | None
    width: int = 1280
    height: int = 720
    fps: int = 30
    muted: bool = False
    picture: Path | None = None  # broadcast picture replacing the camera
    rotate: int = 0
    position: ptz.PtzPosition = field(default_factory=ptz.PtzPosition)
    name: Callable[[], str] = lambda: "meetroom"
    generation: int = 0  # bumped when the camera or its mode changes: the source is reopened
    background: Callable[[np.ndarray], np.ndarray] | None = None  # replacement / blur (media/background.py)

    def changed(self) -> None:
        self.generation += 1


class Capture:
    def __init__(self, store: FrameStore, config: SelfViewConfig) -> None:
        self.store = store
        self.config = config
        self.frames = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._holders: Counter[int | None] = Counter()  # frame-rate cap (None: full rate) -> holders
        self._keep_until = 0.0
        self.error = ""
        self._retry_at = 0.0
        # description scheme ("ndi") -> opener(device, width, height) for cameras that are not V4L2
        self.openers: dict[str, Callable[[Device, int, int], VideoSource]] = {}

    # --- demand -----------------------------------------------------------------------
    @property
    def running(self) -> bool:
        with self._lock:
            return self._thread is not None

    def acquire(self, fps: int | None = None) -> None:
        """Keep capturing until release; `fps` caps the rate when nobody else needs more."""
        with self._lock:
            self._holders[fps] += 1
            self._ensure_thread()

    def release(self, fps: int | None = None) -> None:
        with self._lock:
            if self._holders[fps] > 0:
                self._holders[fps] -= 1
            self._holders += Counter()  # drop zero counts

    def _rate(self, cfg: SelfViewConfig) -> int:
        """The mode's rate, unless every consumer asked for less (a slow broadcast selfie)."""
        with self._lock:
            if self._holders[None] > 0 or time.monotonic() < self._keep_until or not self._holders:
                return cfg.fps
            return max(1, min(cfg.fps, max(f for f in self._holders if f)))

    def touch(self) -> bool:
        """A viewer wants frames now; whether the pipeline was idle (its last frame is stale)."""
        with self._lock:
            self._keep_until = time.monotonic() + VIEWER_GRACE
            return self._ensure_thread()

    def stop(self) -> None:
        with self._lock:
            thread = self._thread
            self._holders.clear()
            self._keep_until = 0.0
        self._stop.set()
        if thread is not None:
            thread.join(5)

    def _ensure_thread(self) -> bool:
        if self._thread is not None:
            return False
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="self-view-capture", daemon=True)
        self._thread.start()
        return True

    def _wanted(self) -> bool:
        with self._lock:
            if self._holders or time.monotonic() < self._keep_until:
                return True
            self._thread = None
            return False

    # --- the thread -------------------------------------------------------------------
    def _run(self) -> None:
        lower_this_thread()  # the camera's pictures wait for a control panel's request, not the reverse
        source: VideoSource | None = None
        opened_for = (-1, None, False)
        next_tick = time.monotonic()
        try:
            while not self._stop.is_set() and self._wanted():
                cfg = self.config
                key = (cfg.generation, cfg.picture, cfg.muted)
                retry = bool(self.error) and time.monotonic() >= self._retry_at
                if key != opened_for or source is None or retry:
                    if source is not None:
                        source.close()
                    source = self._open(cfg)
                    opened_for = key
                try:
                    frame = source.read()
                except (StopIteration, OSError, ValueError) as exc:
                    log.warning("camera stopped delivering frames: %s", exc)
                    source.close()
                    source = self._unavailable(cfg, str(exc))
                    opened_for = (-1, None, False)  # reopen after the pause below
                    self._stop.wait(RETRY_SECONDS)
                    continue
                if source.live:
                    frame = self._process(frame, cfg)
                self.store.put(SELF, frame)
                self.frames += 1
                rate = self._rate(cfg) if source.live else min(STILL_FPS, self._rate(cfg))
                next_tick = max(next_tick + 1.0 / rate, time.monotonic() - 1.0 / rate)
                delay = next_tick - time.monotonic()
                if delay > 0:
                    self._stop.wait(delay)
        except Exception:
            log.exception("self-view capture failed")
        finally:
            if source is not None:
                source.close()
            with self._lock:
                if self._thread is threading.current_thread():
                    self._thread = None

    def _open(self, cfg: SelfViewConfig) -> VideoSource:
        from meetroom.media.filesource import FileSource
        from meetroom.media.sources import PatternSource, StillSource, V4L2Source

        if cfg.picture is not None:
            try:
                mtime = cfg.picture.stat().st_mtime
                return StillSource(images.fitted(cfg.picture, mtime, *self._size(cfg)))
            except (OSError, images.NotAnImage) as exc:
                return self._unavailable(cfg, f"picture unavailable: {exc}")
        if cfg.muted:
            return StillSource(images.placeholder(*self._size(cfg), cfg.name()))
        camera = cfg.camera
        if camera is None:
            return StillSource(images.placeholder(*self._size(cfg), cfg.name(), "No camera selected"))
        if camera.virtual:
            self.error = ""
            if camera.path:  # a video file (meetroom peer --camera FILE)
                try:
                    return FileSource(camera.path, cfg.width, cfg.height)
                except Exception as exc:
                    return self._unavailable(cfg, f"cannot play {camera.path}: {exc}")
            return PatternSource(cfg.width, cfg.height, cfg.name)
        opener = self.openers.get(camera.description.partition(":")[0])
        try:
            if opener is not None:
                source: VideoSource = opener(camera, cfg.width, cfg.height)
            elif Path(camera.path).is_file():
                source = FileSource(camera.path, cfg.width, cfg.height)
            else:
                source = V4L2Source(camera.path, cfg.width, cfg.height, cfg.fps)
        except Exception as exc:  # PyAV raises many kinds; any of them means no picture
            return self._unavailable(cfg, f"cannot open {camera.name}: {exc}")
        self.error = ""
        return source

    def _unavailable(self, cfg: SelfViewConfig, reason: str) -> VideoSource:
        from meetroom.media.sources import StillSource

        self.error = reason
        self._retry_at = time.monotonic() + RETRY_SECONDS
        log.warning("%s", reason)
        return StillSource(images.placeholder(*self._size(cfg), cfg.name(), "Camera unavailable"))

    @staticmethod
    def _size(cfg: SelfViewConfig) -> tuple[int, int]:
        if cfg.rotate in (90, 270):
            return cfg.height, cfg.width
        return cfg.width, cfg.height

    @staticmethod
    def _process(frame: np.ndarray, cfg: SelfViewConfig) -> np.ndarray:
        import numpy as np

        frame = ptz.apply(frame, cfg.position)
        if cfg.rotate:
            frame = np.ascontiguousarray(np.rot90(frame, k=-(cfg.rotate // 90)))
        effect = cfg.background
        if effect is not None:
            frame = effect(frame)
        return frame
