"""NDI in: sources on the network become cameras the room can select.

`Discovery` watches the network in a thread and keeps the current source names; the NDI
service lists them as video capturers. `NdiCamera` is the capture pipeline's source for a
selected one: each read returns the newest frame the source sent, scaled to the camera mode.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from meetroom.media import ndilib
from meetroom.media.devices import TYPE_SYSTEM, Device

if TYPE_CHECKING:  # NumPy and Pillow load with the first NDI picture, not at start
    import numpy as np

log = logging.getLogger(__name__)

SCHEME = "ndi"
FIRST_FRAME_TIMEOUT = 5.0  # connecting to a source takes a moment
FRAME_TIMEOUT = 3.0  # then a source that sends nothing for this long counts as gone
DISCOVERY_WAIT_MS = 1000


def device_for(source_name: str) -> Device:
    """A video capturer for an NDI source: its description is 'ndi:' + the source's full name."""
    return Device(source_name, f"{SCHEME}:{source_name}", TYPE_SYSTEM, "camera", source_name)


class NdiCamera:
    """The capture pipeline's source for one NDI source (meetroom.media.sources.VideoSource)."""

    live = True

    def __init__(self, source_name: str, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.name = source_name
        self._receiver = ndilib.Receiver(source_name)
        self._timeout = FIRST_FRAME_TIMEOUT

    def read(self) -> np.ndarray:
        import numpy as np
        from PIL import Image

        frame = self._receiver.latest_video(self._timeout)
        if frame is None:
            raise OSError(f"NDI source '{self.name}' sends no video")
        self._timeout = FRAME_TIMEOUT
        if frame.shape[:2] != (self.height, self.width):
            frame = np.asarray(Image.fromarray(frame).resize((self.width, self.height), Image.Resampling.BILINEAR))
        return frame

    def close(self) -> None:
        self._receiver.close()


class Discovery:
    """The NDI sources on the network, kept current by a thread; `on_change` runs in that thread."""

    def __init__(self, on_change: Callable[[list[str]], None], extra_ips: str = "") -> None:
        self.on_change = on_change
        self.extra_ips = extra_ips
        self._names: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def names(self) -> list[str]:
        with self._lock:
            return list(self._names)

    def start(self) -> None:
        finder = ndilib.Finder(self.extra_ips)  # fails here, in the caller, if NDI cannot run
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(finder,), name="ndi-discovery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(5)
        with self._lock:
            self._names = []

    def _run(self, finder: ndilib.Finder) -> None:
        try:
            while not self._stop.is_set():
                names = finder.wait(DISCOVERY_WAIT_MS)
                with self._lock:
                    changed = names != self._names
                    self._names = names
                if changed and not self._stop.is_set():
                    self.on_change(names)
        except Exception:
            log.exception("NDI discovery failed")
        finally:
            finder.close()
