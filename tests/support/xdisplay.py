"""A private X display (Xvfb, no TCP listener) with a window of a known pattern, for capture tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.process import stop_by_pid

PATTERN_TITLE = "meetroom pattern"
RED, GREEN = (208, 32, 32), (32, 192, 64)  # the window: red top-left quarter, the rest green
WINDOW = (200, 150, 50, 60)  # width, height, x, y
_TK = """
import sys, tkinter as tk
root = tk.Tk(); root.title(sys.argv[1]); root.geometry("{w}x{h}+{x}+{y}")
canvas = tk.Canvas(root, width={w}, height={h}, bg="#20c040", highlightthickness=0); canvas.pack()
canvas.create_rectangle(0, 0, {hw}, {hh}, fill="#d02020", outline="")
def moved(*_):  # a line "x y" on stdin moves the window there
    x, y = sys.stdin.readline().split()
    root.geometry(f"+{{x}}+{{y}}")
root.tk.createfilehandler(sys.stdin, tk.READABLE, moved)
root.mainloop()
"""


@dataclass
class XDisplay:
    name: str
    server: subprocess.Popen
    window: subprocess.Popen | None = None

    def stop(self) -> None:
        if self.window is not None:
            stop_by_pid(self.window, grace=2)
        stop_by_pid(self.server, grace=2)


def available() -> bool:
    return shutil.which("Xvfb") is not None and shutil.which("xwininfo") is not None


def _free_number() -> int:
    for number in range(140, 400):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError("no free X display number")


def start_display(size: str = "640x480x24") -> XDisplay:
    number = _free_number()
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", size, "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    display = XDisplay(f":{number}", server)
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if server.poll() is not None or time.monotonic() > deadline:
            display.stop()
            raise RuntimeError("Xvfb did not start")
        time.sleep(0.05)
    return display


def show_pattern(display: XDisplay) -> None:
    """Open the pattern window (Tk) and wait until the display lists it."""
    w, h, x, y = WINDOW
    script = _TK.format(w=w, h=h, x=x, y=y, hw=w // 2, hh=h // 2)
    env = dict(os.environ, DISPLAY=display.name)
    display.window = subprocess.Popen(
        [sys.executable, "-c", script, PATTERN_TITLE], env=env, stdin=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        out = subprocess.run(
            ["xwininfo", "-display", display.name, "-root", "-children"], capture_output=True, text=True, check=False
        ).stdout
        if PATTERN_TITLE in out:
            time.sleep(0.3)  # mapped and drawn
            return
        time.sleep(0.1)
    raise RuntimeError("the pattern window did not appear")


def move_pattern(display: XDisplay, x: int, y: int) -> None:
    """Move the pattern window and wait until the display has it there."""
    assert display.window is not None and display.window.stdin is not None
    display.window.stdin.write(f"{x} {y}\n")
    display.window.stdin.flush()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        out = subprocess.run(
            ["xwininfo", "-display", display.name, "-name", PATTERN_TITLE], capture_output=True, text=True, check=False
        ).stdout
        if f"Absolute upper-left X:  {x}\n" in out and f"Absolute upper-left Y:  {y}\n" in out:
            time.sleep(0.2)  # drawn at its new place
            return
        time.sleep(0.05)
    raise RuntimeError("the pattern window did not move")
