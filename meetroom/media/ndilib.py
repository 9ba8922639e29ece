"""The only module that touches the NDI runtime (the `ndi-python` package, module `NDIlib`).

The package is optional (`pip install 'meetroom[ndi]'`) and heavy, so it is imported the first
time NDI is used, never at start: a room without NDI neither loads it nor sends a single NDI
packet. Everything here blocks (the runtime releases the GIL while it waits); callers run it in
threads. Frames go out as RGBX and come in as RGB numpy arrays; samples are float32 in -1..1.
"""

from __future__ import annotations

import logging
import threading
import time
from types import ModuleType
from typing import TYPE_CHECKING, Any

from meetroom.media.errors import MediaError

if TYPE_CHECKING:  # NumPy loads with the first NDI frame sent or received
    import numpy as np

log = logging.getLogger(__name__)

DRAIN_LIMIT = 200  # queued frames read at most per look (video, sound and metadata together)
INSTALL_HINT = "NDI is not installed: install the NDI runtime with pip install 'meetroom[ndi]' (package ndi-python)"


class NdiNotInstalled(MediaError):
    """The NDI package is missing or its runtime cannot start on this machine."""


_lock = threading.Lock()
_imported: ModuleType | None = None
_ready = False


def _import() -> ModuleType:
    global _imported
    if _imported is None:
        try:
            import NDIlib
        except ImportError as exc:
            log.info("NDI unavailable: %s", exc)
            raise NdiNotInstalled(INSTALL_HINT) from exc
        _imported = NDIlib
    return _imported


def available() -> bool:
    """Whether the NDI package can be imported; the runtime is not started (no NDI traffic)."""
    with _lock:
        try:
            _import()
        except NdiNotInstalled:
            return False
        return True


def load() -> ModuleType:
    """The started NDI runtime; NdiNotInstalled when the package is absent or cannot start here."""
    global _ready
    with _lock:
        ndi = _import()
        if not _ready:
            if not ndi.initialize():
                raise NdiNotInstalled("the NDI runtime cannot start on this machine (its CPU lacks SSE4.2?)")
            _ready = True
        return ndi


class Sender:
    """One NDI source on the network; frames are sent as RGBX, audio as planar float."""

    def __init__(self, name: str) -> None:
        ndi = load()
        self._ndi = ndi
        create = ndi.SendCreate()
        create.ndi_name = name
        create.clock_video = False  # the frames come at their producer's pace
        create.clock_audio = False
        self._instance = ndi.send_create(create)
        if self._instance is None:
            raise MediaError(f"the NDI runtime refused to create source '{name}'")
        self._video = ndi.VideoFrameV2()
        self._video.FourCC = ndi.FOURCC_VIDEO_TYPE_RGBX
        self._audio = ndi.AudioFrameV2()
        self._lock = threading.Lock()
        self.frames = 0
        source = ndi.send_get_source_name(self._instance)
        self.source_name = str(source.ndi_name) if source is not None else name  # 'HOST (name)', as receivers see it

    def send_video(self, rgbx: np.ndarray, fps: int) -> None:
        """`rgbx`: uint8, shape (height, width, 4), the fourth byte ignored (see ndioutputs.to_rgbx)."""
        import numpy as np

        with self._lock:
            if self._instance is None:
                return
            self._video.data = np.ascontiguousarray(rgbx)
            self._video.FourCC = self._ndi.FOURCC_VIDEO_TYPE_RGBX
            self._video.frame_rate_N = max(1, fps) * 1000
            self._video.frame_rate_D = 1000
            self._ndi.send_send_video_v2(self._instance, self._video)
            self.frames += 1

    def send_audio(self, samples: np.ndarray, rate: int) -> None:
        """`samples`: float32, shape (channels, n)."""
        import numpy as np

        planar = np.ascontiguousarray(samples, dtype=np.float32)
        with self._lock:
            if self._instance is None:
                return
            self._audio.sample_rate = rate
            self._audio.no_channels = planar.shape[0]
            self._audio.no_samples = planar.shape[1]
            self._audio.channel_stride_in_bytes = planar.shape[1] * 4
            self._audio.data = planar
            self._ndi.send_send_audio_v2(self._instance, self._audio)

    def connections(self) -> int:
        with self._lock:
            return 0 if self._instance is None else int(self._ndi.send_get_no_connections(self._instance, 0))

    def close(self) -> None:
        with self._lock:
            instance, self._instance = self._instance, None
        if instance is not None:
            self._ndi.send_destroy(instance)


class Finder:
    """Discovery of the NDI sources on the network (mDNS, plus the configured extra addresses)."""

    def __init__(self, extra_ips: str = "") -> None:
        ndi = load()
        self._ndi = ndi
        create = ndi.FindCreate()
        create.show_local_sources = True
        if extra_ips:
            create.extra_ips = extra_ips
        self._instance = ndi.find_create_v2(create)
        if self._instance is None:
            raise MediaError("the NDI runtime refused to start source discovery")

    def wait(self, timeout_ms: int) -> list[str]:
        """The current source names, after waiting up to `timeout_ms` for a change."""
        self._ndi.find_wait_for_sources(self._instance, timeout_ms)
        return sorted({str(s.ndi_name) for s in self._ndi.find_get_current_sources(self._instance)})

    def close(self) -> None:
        instance, self._instance = self._instance, None
        if instance is not None:
            self._ndi.find_destroy(instance)


class Receiver:
    """Video (and audio) of one named NDI source; `latest_video` keeps only the newest frame."""

    def __init__(self, source_name: str, recv_name: str = "meetroom") -> None:
        ndi = load()
        self._ndi = ndi
        create = ndi.RecvCreateV3()
        create.color_format = ndi.RECV_COLOR_FORMAT_RGBX_RGBA
        create.bandwidth = ndi.RECV_BANDWIDTH_HIGHEST
        create.allow_video_fields = False
        create.ndi_recv_name = recv_name
        self._instance = ndi.recv_create_v3(create)
        if self._instance is None:
            raise MediaError(f"the NDI runtime refused to receive '{source_name}'")
        source = ndi.Source()
        source.ndi_name = source_name
        ndi.recv_connect(self._instance, source)
        self.source_name = source_name

    def _capture(self, timeout_ms: int) -> tuple[Any, np.ndarray | None]:
        import numpy as np

        ndi = self._ndi
        kind, video, audio, metadata = ndi.recv_capture_v2(self._instance, timeout_ms)
        if kind == ndi.FRAME_TYPE_VIDEO:
            rgb = np.ascontiguousarray(video.data[:, :, :3])
            ndi.recv_free_video_v2(self._instance, video)
            return kind, rgb
        if kind == ndi.FRAME_TYPE_AUDIO:
            ndi.recv_free_audio_v2(self._instance, audio)
        elif kind == ndi.FRAME_TYPE_METADATA:
            ndi.recv_free_metadata(self._instance, metadata)
        return kind, None

    def latest_video(self, timeout: float) -> np.ndarray | None:
        """The newest video frame, waiting up to `timeout` s for one; None if none came."""
        ndi = self._ndi
        idle = (ndi.FRAME_TYPE_NONE, ndi.FRAME_TYPE_ERROR)  # nothing queued, or the connection is gone
        newest: np.ndarray | None = None
        for _ in range(DRAIN_LIMIT):  # what queued up meanwhile: a camera shows the present
            kind, frame = self._capture(0)
            if frame is not None:
                newest = frame
            elif kind in idle:
                break
        if newest is not None:
            return newest
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            kind, frame = self._capture(max(1, min(100, int(left * 1000))))
            if frame is not None:
                return frame
            if kind == ndi.FRAME_TYPE_ERROR:  # returned at once: wait before asking again
                time.sleep(min(0.1, left))
        return None

    def close(self) -> None:
        instance, self._instance = self._instance, None
        if instance is not None:
            self._ndi.recv_destroy(instance)
