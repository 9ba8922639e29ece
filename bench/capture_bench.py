"""CPU cost of the self-view capture pipeline (test-pattern camera -> PTZ -> frame store).

For each mode the pipeline runs for DURATION seconds with one holder (as during a call); the
figure is CPU seconds used per wall second (1.0 = one full core) and the frame rate reached.
The baseline is the same process over the same time with the pipeline idle, measured in this
run. JPEG encoding is not part of capture: it only happens when /frames/ is asked.

Run: python bench/capture_bench.py [seconds per mode]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from meetroom.media.capture import Capture, SelfViewConfig
from meetroom.media.devices import VIRTUAL_DEVICES
from meetroom.media.framestore import FrameStore

DURATION = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
MODES = [(640, 360, 15), (640, 360, 30), (1280, 720, 15), (1280, 720, 30)]
TARGET = 0.5  # the budget: 1280x720@30 under half a core


def measure(width: int, height: int, fps: int, zoom: int = 100) -> tuple[float, float]:
    """(cores used, frames per second) while the pipeline runs."""
    store = FrameStore()
    config = SelfViewConfig(camera=VIRTUAL_DEVICES[0], width=width, height=height, fps=fps, name=lambda: "bench")
    config.position.set("zoom", zoom)
    capture = Capture(store, config)
    capture.acquire()
    time.sleep(0.5)  # warm-up: first frame, caches
    frames0, cpu0, wall0 = capture.frames, time.process_time(), time.monotonic()
    time.sleep(DURATION)
    frames1, cpu1, wall1 = capture.frames, time.process_time(), time.monotonic()
    capture.stop()
    return (cpu1 - cpu0) / (wall1 - wall0), (frames1 - frames0) / (wall1 - wall0)


def baseline() -> float:
    cpu0, wall0 = time.process_time(), time.monotonic()
    time.sleep(DURATION)
    return (time.process_time() - cpu0) / (time.monotonic() - wall0)


def main() -> None:
    idle = baseline()
    print(f"capture pipeline, {DURATION:.0f} s per mode (cores = CPU seconds per second)")
    print(f"{'mode':<22}{'cores':>8}{'fps':>8}   baseline (idle pipeline) cores")
    rows = [(w, h, f, 100) for w, h, f in MODES] + [(1280, 720, 30, 200)]
    for width, height, fps, zoom in rows:
        cores, rate = measure(width, height, fps, zoom)
        label = f"{width}x{height}@{fps}" + (f" zoom {zoom}" if zoom != 100 else "")
        print(f"{label:<22}{cores:>8.3f}{rate:>8.1f}   {idle:.3f}")
    cores, _ = measure(1280, 720, 30)
    verdict = "meets" if cores < TARGET else "MISSES"
    print(f"1280x720@30 uses {cores:.3f} cores: {verdict} the target of {TARGET} (baseline {idle:.3f})")


if __name__ == "__main__":
    main()
