"""Digital pan/tilt/zoom: a crop of the camera picture scaled back to the full frame.

Cameras without a mechanical head still answer every PTZ command: zoom picks a smaller window
of the picture (100 = whole picture, 400 = a quarter of its width), pan and tilt move that
window across the picture. The arithmetic is pure; `apply` does the scaling with swscale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

AXES = ("pan", "tilt", "zoom")


@dataclass(frozen=True)
class AxisRange:
    minimum: int
    maximum: int
    default: int
    step: int

    def clamp(self, value: int) -> int:
        return max(self.minimum, min(self.maximum, value))


RANGES: dict[str, AxisRange] = {
    "pan": AxisRange(-100, 100, 0, 10),
    "tilt": AxisRange(-100, 100, 0, 10),
    "zoom": AxisRange(100, 400, 100, 20),
}


@dataclass
class PtzPosition:
    values: dict[str, int] = field(default_factory=lambda: {a: RANGES[a].default for a in AXES})
    inverted: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(AXES, False))

    def set(self, axis: str, value: int) -> bool:
        """Move one axis (clamped to its range); whether the value changed."""
        new = RANGES[axis].clamp(int(value))
        changed = new != self.values[axis]
        self.values[axis] = new
        return changed

    def step(self, axis: str, direction: int) -> bool:
        sign = -1 if self.inverted[axis] else 1
        return self.set(axis, self.values[axis] + sign * direction * RANGES[axis].step)

    def reset(self) -> bool:
        changed = any(self.values[a] != RANGES[a].default for a in AXES)
        self.values = {a: RANGES[a].default for a in AXES}
        return changed

    def controls(self) -> dict[str, Any]:
        """The pan/tilt/zoom objects of getPtzControls and ptzControlsChanged."""
        out = {}
        for axis in AXES:
            rng = RANGES[axis]
            out[axis] = {
                "support": True,
                "isContinuousType": False,
                "minValue": rng.minimum,
                "maxValue": rng.maximum,
                "currentValue": self.values[axis],
                "defValue": rng.default,
                "step": rng.step,
                "inverted": self.inverted[axis],
            }
        return out


def crop_rect(width: int, height: int, pan: int, tilt: int, zoom: int) -> tuple[int, int, int, int]:
    """(left, top, crop width, crop height) of the window shown at this position.

    Positive pan looks right, positive tilt looks up; at zoom 100 the window is the whole frame.
    """
    factor = max(1.0, zoom / 100.0)
    cw = max(2, round(width / factor) & ~1)
    ch = max(2, round(height / factor) & ~1)
    spare_x, spare_y = (width - cw) / 2, (height - ch) / 2
    left = round(spare_x + pan / 100.0 * spare_x)
    top = round(spare_y - tilt / 100.0 * spare_y)
    return max(0, min(width - cw, left)), max(0, min(height - ch, top)), cw, ch


def apply(frame: np.ndarray, position: PtzPosition) -> np.ndarray:
    """The frame as the digital PTZ window sees it, at the frame's own size."""
    import av  # here, not at module level: PTZ positions are kept and announced at rest too
    import numpy as np

    height, width = frame.shape[:2]
    v = position.values
    left, top, cw, ch = crop_rect(width, height, v["pan"], v["tilt"], v["zoom"])
    if (cw, ch) == (width, height):
        return frame
    window = np.ascontiguousarray(frame[top : top + ch, left : left + cw])
    scaled = av.VideoFrame.from_ndarray(window, format="rgb24").reformat(
        width=width, height=height, interpolation="BILINEAR"
    )
    return scaled.to_ndarray()
