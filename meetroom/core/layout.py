"""Slot rectangles of the video layout ("matrix") types, as pure arithmetic.

Matrix types (getVideoMatrix / changeVideoMatrixType):
0 only the first slot, over the whole area; 1 all slots equal in a grid; 2 one large slot top
left with the small ones to its right and below; 3 one large slot on top with the small ones in
a row below; 4 one large slot on the left with the small ones in a column to its right; 5 one
large slot over the whole area with the small ones in a row across its bottom, overlapping it.
Slots a type does not show get an empty rectangle (width and height 0).
"""

from __future__ import annotations

import math
from typing import NamedTuple

MATRIX_TYPES = (0, 1, 2, 3, 4, 5)
SMALL_SHARE = 4  # in types 3-5 a small slot takes 1/4 of the height (or width)


class Rect(NamedTuple):
    left: int
    top: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height

    def area(self) -> int:
        return self.width * self.height

    def overlaps(self, other: Rect) -> bool:
        return (
            self.area() > 0
            and other.area() > 0
            and self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )


EMPTY = Rect(0, 0, 0, 0)


def _cell(left: float, top: float, width: float, height: float) -> Rect:
    """Round edges (not sizes) so neighbouring cells share borders without gaps or overlaps."""
    x0, y0 = round(left), round(top)
    return Rect(x0, y0, round(left + width) - x0, round(top + height) - y0)


def _edges(start: float, step: float, count: int) -> list[int]:
    """Rounded borders of `count` cells in a row: each border is computed once, so neighbours
    share it exactly (no gap, no overlap)."""
    return [round(start + i * step) for i in range(count + 1)]


def _grid(count: int, width: int, height: int) -> list[Rect]:
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    cw = width / cols
    ys = _edges(0, height / rows, rows)
    rects = []
    for row in range(rows):
        in_row = min(cols, count - row * cols)
        xs = _edges((cols - in_row) * cw / 2, cw, in_row)  # a short last row is centred
        rects += [Rect(xs[c], ys[row], xs[c + 1] - xs[c], ys[row + 1] - ys[row]) for c in range(in_row)]
    return rects


def _strip(count: int, left: float, top: float, width: float, height: float, vertical: bool) -> list[Rect]:
    """`count` equal cells centred along a strip, each 1/SMALL_SHARE of it while they fit."""
    slots = max(SMALL_SHARE, count)
    x0, y0 = round(left), round(top)
    x1, y1 = round(left + width), round(top + height)
    if vertical:
        step = height / slots
        ys = _edges(top + (slots - count) * step / 2, step, count)
        return [Rect(x0, ys[i], x1 - x0, ys[i + 1] - ys[i]) for i in range(count)]
    step = width / slots
    xs = _edges(left + (slots - count) * step / 2, step, count)
    return [Rect(xs[i], y0, xs[i + 1] - xs[i], y1 - y0) for i in range(count)]


def _large_top_left(count: int, width: int, height: int) -> list[Rect]:
    """The large slot spans k x k cells of a (k+1) x (k+1) grid; the others fill the L around it."""
    small = count - 1
    k = max(1, math.ceil((small - 1) / 2))
    n = k + 1
    xs, ys = _edges(0, width / n, n), _edges(0, height / n, n)
    rects = [Rect(0, 0, xs[k], ys[k])]
    cells = [(k, row) for row in range(n)] + [(col, k) for col in range(k)]  # right column, then bottom row
    rects += [Rect(xs[c], ys[r], xs[c + 1] - xs[c], ys[r + 1] - ys[r]) for c, r in cells[:small]]
    return rects


def slot_rects(matrix_type: int, count: int, width: int, height: int) -> list[Rect]:
    """The rectangle of each of `count` slots, in slot order, inside a width x height area."""
    if matrix_type not in MATRIX_TYPES:
        raise ValueError(f"matrixType must be one of {list(MATRIX_TYPES)}")
    if count <= 0:
        return []
    if count == 1 or matrix_type == 0:
        return [Rect(0, 0, width, height)] + [EMPTY] * (count - 1)
    small = count - 1
    if matrix_type == 1:
        return _grid(count, width, height)
    if matrix_type == 2:
        return _large_top_left(count, width, height)
    if matrix_type == 3:
        band = height / SMALL_SHARE
        return [_cell(0, 0, width, height - band), *_strip(small, 0, height - band, width, band, vertical=False)]
    if matrix_type == 4:
        band = width / SMALL_SHARE
        return [_cell(0, 0, width - band, height), *_strip(small, width - band, 0, band, height, vertical=True)]
    band = height / SMALL_SHARE  # type 5: small ones over the bottom of the large one
    return [Rect(0, 0, width, height), *_strip(small, 0, height - band, width, band, vertical=False)]
