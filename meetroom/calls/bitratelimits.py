"""The range the governed video encoder runs at, known without loading aiortc.

getSystemInfo reports it at rest, before any call; calls/bitrate.py (which subclasses aiortc's
encoders and so loads the whole media stack) takes its limits from here.
"""

from __future__ import annotations

FLOOR_BPS = 50_000  # lowest video target (the picture is a quarter of its size by then)
MAX_BPS = 1_500_000  # aiortc.codecs.vpx.MAX_BITRATE: its VP8 encoder never goes above it


def video_limits_kbps() -> dict[str, int]:
    """The range the governed video encoder can run at (getSystemInfo's bitrateLimits)."""
    return {"min": FLOOR_BPS // 1000, "max": MAX_BPS // 1000}
