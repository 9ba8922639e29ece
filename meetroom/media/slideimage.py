"""Turns an uploaded picture into a slide ready for the screen: upright, flattened, at most Full HD.

Phones store photos sideways with an EXIF turn, logos carry transparency, cameras deliver 24
megapixels: the prepared slide is a plain JPEG any browser shows at once, a few hundred kB.
"""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image, ImageOps

from meetroom.media.images import open_image

MAX_SIZE = (1920, 1080)
QUALITY = 90
BACKDROP = (255, 255, 255)  # what shows through transparent parts, as on paper


def _upright_flat(img: Image.Image) -> Image.Image:
    """The picture turned as its EXIF says, transparency laid on BACKDROP, in RGB."""
    img.draft("RGB", MAX_SIZE)  # JPEG: decode at a reduced scale when that is enough
    upright = ImageOps.exif_transpose(img)
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, BACKDROP)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return upright.convert("RGB")


def render_slide(src: Path, dest: Path) -> tuple[int, int]:
    """Write the prepared slide to `dest` (atomically) and return its size."""
    img = open_image(src, _upright_flat)
    if img.width > MAX_SIZE[0] or img.height > MAX_SIZE[1]:
        img.thumbnail(MAX_SIZE, Image.Resampling.LANCZOS)
    dest.parent.mkdir(parents=True, exist_ok=True)
    temp = dest.with_name(dest.name + ".part")
    img.save(temp, "JPEG", quality=QUALITY, optimize=True)
    os.replace(temp, dest)
    return img.size
