"""The X display's screens and windows as content sources, captured with PyAV's x11grab.

getHardware's `DSCaptureList` lists what can be shared: the slideshow (id 1), the display's screen
(id 2) and every named top-level window (id = its X window id, which stays the same while the
window lives). The list comes from `xwininfo` (x11-utils) on the display the room runs on
(`DISPLAY`); without a display, or without xwininfo, only the slideshow is listed. A window that is
wholly on the screen is captured as that window (x11grab's window_id): the share follows it when it
moves; what covers it is captured too, as X has no off-screen copy without a compositor. A window
partly off the screen is captured by its rectangle at the start, clipped to the screen.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

SLIDESHOW_ID = 1
SCREEN_ID = 2
LIST_TIMEOUT = 3.0  # seconds xwininfo may take
_CHILD = re.compile(r'^\s+(0x[0-9a-f]+) (?:"([^"]*)"|\(has no name\)).*?\s(\d+)x(\d+)\+(-?\d+)\+(-?\d+)\s', re.I)
_SIZE = re.compile(r"^\s+(Width|Height): (\d+)", re.M)


@dataclass(frozen=True)
class Capturable:
    """One entry of DSCaptureList: what startCapture {captureId} shares."""

    id: int
    name: str
    kind: str  # "slideshow" | "screen" | "window"
    x: int = 0
    y: int = 0
    width: int = 0
    height: int = 0
    whole: bool = False  # a window wholly on the screen: captured as itself, wherever it moves

    def entry(self) -> dict[str, Any]:
        return {"name": self.name, "id": self.id}


def display_name() -> str:
    return os.environ.get("DISPLAY", "")


def _xwininfo(display: str, *args: str) -> str:
    done = subprocess.run(
        ["xwininfo", "-display", display, *args], capture_output=True, text=True, timeout=LIST_TIMEOUT, check=False
    )
    return done.stdout if done.returncode == 0 else ""


def parse_screen(text: str) -> tuple[int, int] | None:
    sizes = dict((k, int(v)) for k, v in _SIZE.findall(text))
    return (sizes["Width"], sizes["Height"]) if "Width" in sizes and "Height" in sizes else None


def parse_windows(text: str, screen: tuple[int, int]) -> list[Capturable]:
    """Named top-level windows of `xwininfo -root -children`, clipped to the screen (even sizes)."""
    out = []
    for line in text.splitlines():
        found = _CHILD.match(line + " ")
        if not found or not found.group(2):
            continue
        xid, name, w, h, x, y = found.group(1), found.group(2), *map(int, found.groups()[2:])
        left, top = max(0, x), max(0, y)
        right, bottom = min(screen[0], x + w), min(screen[1], y + h)
        width, height = (right - left) // 2 * 2, (bottom - top) // 2 * 2
        whole = (left, top, right, bottom) == (x, y, x + w, y + h)
        if width >= 16 and height >= 16:
            out.append(Capturable(int(xid, 16), name, "window", left, top, width, height, whole))
    return out


def list_display(display: str | None = None) -> list[Capturable]:
    """The screen and windows of the X display (empty without one); never raises."""
    display = display if display is not None else display_name()
    if not display or shutil.which("xwininfo") is None:
        return []
    try:
        screen = parse_screen(_xwininfo(display, "-root"))
        if screen is None:
            return []
        found = [Capturable(SCREEN_ID, f"Screen {display} ({screen[0]}x{screen[1]})", "screen", 0, 0, *screen)]
        return found + parse_windows(_xwininfo(display, "-root", "-children"), screen)
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("cannot list the X display %s: %s", display, exc)
        return []


class X11Grab:
    """A thread reading a window or a rectangle of the display with x11grab; each frame goes to `sink`."""

    def __init__(self, display: str, target: Capturable, fps: int, sink: Callable[[Any], None]) -> None:
        self.display, self.target, self.fps, self.sink = display, target, fps, sink
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error = ""

    def open(self) -> Any:
        """The x11grab input; raises (av.FFmpegError / OSError) when the display cannot be read."""
        import av

        t = self.target
        options = {"video_size": f"{t.width}x{t.height}", "framerate": str(self.fps), "draw_mouse": "0"}
        if t.whole:
            return av.open(self.display, format="x11grab", options={**options, "window_id": hex(t.id)})
        url = f"{self.display}+{t.x},{t.y}" if "." in self.display else f"{self.display}.0+{t.x},{t.y}"
        return av.open(url, format="x11grab", options=options)

    def start(self) -> None:
        container = self.open()  # in the caller: a display that cannot be read refuses startCapture
        self._thread = threading.Thread(target=self._run, args=(container,), name="x11grab", daemon=True)
        self._thread.start()

    def _run(self, container: Any) -> None:
        try:
            for frame in container.decode(video=0):
                if self._stop.is_set():
                    break
                self.sink(frame.to_ndarray(format="rgb24"))
        except Exception as exc:  # the display went away: the share ends with the last picture
            self.error = str(exc)
            log.info("x11grab of %s ended: %s", self.target.name, exc)
        finally:
            container.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
