"""Virtual background: the camera picture with the person kept and the rest replaced or blurred.

setReplaceBackground {enabled, fileId}: with a fileId the background becomes that uploaded
picture (scaled to cover the frame); without one the room's default background, which is the
camera's own picture blurred (blurChanged announces blur going on or off). The person comes from
meetroom.media.segmentation; the effect runs in the self-view thread after PTZ and rotation, so
self view, /frames/ and what calls send all show it.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meetroom.core.events import Events
from meetroom.media import images
from meetroom.media.errors import MediaError
from meetroom.media.uploads import UploadedFiles
from meetroom.store.db import Store

if TYPE_CHECKING:  # NumPy, Pillow and the model load when the effect is first used, not with the room
    import numpy as np

    from meetroom.media.segmentation import PersonSegmenter

log = logging.getLogger(__name__)

NS = "background"
BLUR_SCALE = 8  # the blurred background is made at 1/8 of the size, then scaled back
BLUR_RADIUS = 3


@lru_cache(maxsize=4)
def covering(path: Path, mtime: float, width: int, height: int) -> np.ndarray:
    """The picture scaled and centre-cropped to fill width x height."""
    import numpy as np
    from PIL import Image

    img = images.open_image(path)
    scale = max(width / img.width, height / img.height)
    size = (max(width, round(img.width * scale)), max(height, round(img.height * scale)))
    img = img.resize(size, Image.Resampling.BILINEAR)
    left, top = (size[0] - width) // 2, (size[1] - height) // 2
    out = np.asarray(img.crop((left, top, left + width, top + height))).copy()
    out.setflags(write=False)
    return out


def blurred(frame: np.ndarray) -> np.ndarray:
    """The picture heavily blurred: box-reduced, blurred small, scaled back."""
    import numpy as np
    from PIL import Image, ImageFilter

    picture = Image.fromarray(frame)
    small = picture.reduce(BLUR_SCALE).filter(ImageFilter.GaussianBlur(BLUR_RADIUS))
    return np.asarray(small.resize(picture.size, Image.Resampling.BILINEAR))


def composite(person: np.ndarray, background: np.ndarray, small_mask: np.ndarray) -> np.ndarray:
    """person where the (model-sized) mask is 1, background where it is 0.

    The mask is scaled up by PIL, the blend is `back + (person - back) * a / 128` in int16 with a
    7-bit alpha (0..128), in place: about a third of the cost of a float blend at 1280x720.
    """
    import numpy as np
    from PIL import Image

    height, width = person.shape[:2]
    alpha = Image.fromarray((np.clip(small_mask, 0.0, 1.0) * 255).astype(np.uint8), mode="L")
    alpha7 = (np.asarray(alpha.resize((width, height), Image.Resampling.BILINEAR)).astype(np.int16) + 1) >> 1
    out = np.subtract(person, background, dtype=np.int16)
    np.multiply(out, alpha7[..., None], out=out)
    np.right_shift(out, 7, out=out)
    np.add(out, background, out=out)
    return out.astype(np.uint8)


class BackgroundReplacement:
    def __init__(self, store: Store, uploads: UploadedFiles, events: Events) -> None:
        self.store, self.uploads, self.events = store, uploads, events
        saved = store.items(NS)
        self.enabled = bool(saved.get("enabled", False))
        self.file_id = int(saved.get("fileId", 0) or 0)
        self._segmenter: PersonSegmenter | None = None
        self._lock = threading.Lock()
        self.frames = 0  # pictures processed (tests and the bench read it)
        self._failed = False  # logged once, not for every frame

    @property
    def blur(self) -> bool:
        return self.enabled and not self.file_id

    def set(self, enabled: bool, file_id: int | None) -> None:
        """setReplaceBackground; MediaError for a file that is not a picture or no model installed."""
        if enabled:
            if file_id:
                record = self.uploads.get(file_id)
                if record is None:
                    raise MediaError(f"no uploaded file with id {file_id}")
                try:
                    images.check_image(self.uploads.path(file_id))
                except images.NotAnImage as exc:
                    raise MediaError(f"file {file_id}: {exc}") from None
            self.prepare()
        was_blur = self.blur
        self.enabled, self.file_id = enabled, (file_id or 0) if enabled else 0
        self.store.put(NS, "enabled", self.enabled)
        self.store.put(NS, "fileId", self.file_id)
        if self.blur != was_blur:
            self.events.publish("blurChanged", {})

    def prepare(self) -> None:
        """Load the model now (any thread); MediaError when it is not installed."""
        from meetroom.media.segmentation import SegmentationUnavailable

        try:
            self._model()
        except SegmentationUnavailable as exc:
            raise MediaError(f"background replacement is not available: {exc}") from None

    def uses(self, file_id: int) -> str | None:
        """The shown-file rule: the replacement picture cannot be deleted while it is used."""
        return "the virtual background" if self.enabled and self.file_id == file_id else None

    def _model(self) -> PersonSegmenter:
        with self._lock:
            if self._segmenter is None:
                from meetroom.media.segmentation import PersonSegmenter

                self._segmenter = PersonSegmenter()
            return self._segmenter

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        """The effect on one camera picture (the self-view thread calls it); unchanged when off."""
        if not self.enabled:
            return frame
        try:
            return self._replace(frame)
        except Exception:  # a failing effect must not stop self view: the plain picture goes on
            if not self._failed:
                log.exception("background replacement failed")
                self._failed = True
            return frame

    def _replace(self, frame: np.ndarray) -> np.ndarray:
        from meetroom.media.segmentation import SegmentationUnavailable

        try:
            mask = self._model().small_mask(frame)
        except SegmentationUnavailable:
            return frame
        height, width = frame.shape[:2]
        background: Any = None
        if self.file_id:
            path = self.uploads.path(self.file_id)
            try:
                background = covering(path, path.stat().st_mtime, width, height)
            except (OSError, images.NotAnImage):
                background = None
        if background is None:
            background = blurred(frame)
        self.frames += 1
        return composite(frame, background, mask)
