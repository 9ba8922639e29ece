"""The virtual camera's picture: colour bars, a grid, a sweeping bar, the room's name and a clock.

The static part is drawn once per size; each frame costs one copy of it plus a few small pastes,
so the virtual camera stays far below the CPU budget of a real capture pipeline. The sweeping
bar and the clock (tenths of a second) make any two frames taken apart in time differ.
"""

from __future__ import annotations

import itertools
import time
from functools import cache, lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# 75% colour bars: white, yellow, cyan, green, magenta, red, blue
BARS = ((191, 191, 191), (191, 191, 0), (0, 191, 191), (0, 191, 0), (191, 0, 191), (191, 0, 0), (0, 0, 191))
SWEEP_PERIOD = 4.0  # seconds for the bar to cross the picture


@cache
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(8, size))


@cache
def _background(width: int, height: int) -> np.ndarray:
    """Bars on the upper two thirds, a grey ramp below, a grid and a centre target on top."""
    img = np.zeros((height, width, 3), np.uint8)
    split = height * 2 // 3
    edges = np.linspace(0, width, len(BARS) + 1).astype(int)
    for colour, (x0, x1) in zip(BARS, itertools.pairwise(edges), strict=True):
        img[:split, x0:x1] = colour
    ramp = np.linspace(16, 235, width).astype(np.uint8)
    img[split:] = ramp[None, :, None]
    step = max(8, height // 9)
    img[::step, :] = (40, 40, 40)
    img[:, ::step] = (40, 40, 40)
    pil = Image.fromarray(img)
    draw = ImageDraw.Draw(pil)
    cx, cy = width // 2, height // 2
    for radius in (height // 12, height // 6, height // 4):
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=(255, 255, 255), width=2)
    draw.line((cx - height // 4, cy, cx + height // 4, cy), fill=(0, 0, 0), width=2)
    draw.line((cx, cy - height // 4, cx, cy + height // 4), fill=(0, 0, 0), width=2)
    out = np.asarray(pil).copy()
    out.setflags(write=False)
    return out


@lru_cache(maxsize=64)  # the clock makes a new label ten times a second
def _label(text: str, band_height: int, max_width: int) -> np.ndarray:
    """White text on a dark band, as an array ready to paste."""
    size = max(8, band_height * 3 // 4)
    face = font(size)
    width = min(max_width, int(draw_width(text, face)) + band_height)
    img = Image.new("RGB", (max(1, width), band_height), (16, 16, 16))
    ImageDraw.Draw(img).text((band_height // 2, band_height // 8), text, font=face, fill=(255, 255, 255))
    return np.asarray(img)


def draw_width(text: str, face: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> float:
    return ImageDraw.Draw(Image.new("RGB", (1, 1))).textlength(text, font=face)


def clock_text(now: float) -> str:
    local = time.localtime(now)
    return time.strftime("%H:%M:%S", local) + f".{int(now * 10) % 10}"


class TestPattern:
    """Renders frames of one size for a display name; `render(now)` returns a fresh RGB array."""

    __test__ = False  # not a pytest test class despite its name

    def __init__(self, width: int, height: int, name: str) -> None:
        self.width = width
        self.height = height
        self.name = name
        self.band = max(12, height // 12)

    def render(self, now: float | None = None) -> np.ndarray:
        now = time.time() if now is None else now
        frame = _background(self.width, self.height).copy()
        bar = max(4, self.width // 160)
        x = int((now % SWEEP_PERIOD) / SWEEP_PERIOD * (self.width - bar))
        frame[:, x : x + bar] = 255
        self._paste(frame, _label(self.name, self.band, self.width), self.band // 2, self.band // 2)
        clock = _label(clock_text(now), self.band, self.width)
        self._paste(frame, clock, self.height - self.band * 3 // 2, self.width - clock.shape[1] - self.band // 2)
        return frame

    def _paste(self, frame: np.ndarray, label: np.ndarray, top: int, left: int) -> None:
        top, left = max(0, top), max(0, left)
        h = min(label.shape[0], self.height - top)
        w = min(label.shape[1], self.width - left)
        frame[top : top + h, left : left + w] = label[:h, :w]
