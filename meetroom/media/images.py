"""Still pictures for the video path: the muted-camera placeholder and uploaded images fitted to a size."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Pillow and NumPy load with the first picture, not with the room
    import numpy as np
    from PIL import Image

MAX_PIXELS = 40_000_000  # refuse decompression bombs long before Pillow's own limit


class NotAnImage(ValueError):
    """The file is not a picture the room can show."""


@lru_cache(maxsize=8)
def placeholder(width: int, height: int, name: str, text: str = "Camera is off") -> np.ndarray:
    """The frame a muted or missing camera sends: dark grey, the reason and the room's name."""
    import numpy as np
    from PIL import Image, ImageDraw

    from meetroom.media.pattern import draw_width, font

    img = Image.new("RGB", (width, height), (24, 24, 28))
    draw = ImageDraw.Draw(img)
    for line, size, y in ((text, height // 10, height * 2 // 5), (name, height // 16, height * 3 // 5)):
        face = font(size)
        x = (width - draw_width(line, face)) / 2
        draw.text((x, y), line, font=face, fill=(220, 220, 220))
    out = np.asarray(img).copy()
    out.setflags(write=False)
    return out


def _to_rgb(img: Image.Image) -> Image.Image:
    return img.convert("RGB")


def open_image(path: Path, prepare: Callable[[Image.Image], Image.Image] = _to_rgb) -> Image.Image:
    """Decode an uploaded file with `prepare` (default: as it is, in RGB), or raise NotAnImage with the reason.

    Oversized pictures are refused before any pixel is decoded, and whatever goes wrong while
    `prepare` decodes is reported the same way.
    """
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise NotAnImage(f"picture is too large ({img.width}x{img.height})")
                return prepare(img)
    except NotAnImage:
        raise
    except (OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise NotAnImage(f"not a picture the room can read ({type(exc).__name__})") from None


def check_image(path: Path) -> tuple[int, int]:
    """The picture's size if the file is a readable image."""
    img = open_image(path)
    return img.width, img.height


@lru_cache(maxsize=4)
def fitted(path: Path, mtime: float, width: int, height: int) -> np.ndarray:
    """The picture scaled to fit width x height without distortion, on black (letterboxed)."""
    import numpy as np
    from PIL import Image

    img = open_image(path)
    scale = min(width / img.width, height / img.height)
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    canvas = Image.new("RGB", (width, height), (0, 0, 0))
    canvas.paste(img.resize(size, Image.Resampling.BILINEAR), ((width - size[0]) // 2, (height - size[1]) // 2))
    out = np.asarray(canvas).copy()
    out.setflags(write=False)
    return out
