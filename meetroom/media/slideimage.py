"""Turns an uploaded picture into a slide ready for the screen: upright, flattened, at most Full HD.

Phones store photos sideways with an EXIF turn, logos carry transparency, cameras deliver 24
megapixels: the prepared slide is a plain JPEG any browser shows at once, a few hundred kB.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from PIL import Image, ImageOps

from meetroom.media.images import MAX_PIXELS, NotAnImage

MAX_SIZE = (1920, 1080)
QUALITY = 90
BACKDROP = (255, 255, 255)  # what shows through transparent parts, as on paper


def _decode(src: Path) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(src) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise NotAnImage(f"picture is too large ({img.width}x{img.height})")
                img.draft("RGB", MAX_SIZE)  # JPEG: decode at a reduced scale when that is enough
                upright = ImageOps.exif_transpose(img)
                if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
                    rgba = upright.convert("RGBA")
                    flat = Image.new("RGB", rgba.size, BACKDROP)
                    flat.paste(rgba, mask=rgba.getchannel("A"))
                    return flat
                return upright.convert("RGB")
    except NotAnImage:
        raise
    except (OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise NotAnImage(f"not a picture the room can read ({type(exc).__name__})") from None


def render_slide(src: Path, dest: Path) -> tuple[int, int]:
    """Write the prepared slide to `dest` (atomically) and return its size."""
    img = _decode(src)
    if img.width > MAX_SIZE[0] or img.height > MAX_SIZE[1]:
        img.thumbnail(MAX_SIZE, Image.Resampling.LANCZOS)
    dest.parent.mkdir(parents=True, exist_ok=True)
    temp = dest.with_name(dest.name + ".part")
    img.save(temp, "JPEG", quality=QUALITY, optimize=True)
    os.replace(temp, dest)
    return img.size
