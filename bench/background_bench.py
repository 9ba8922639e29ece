"""CPU cost of background replacement per 1280x720 camera frame, and of the whole pipeline at 30 fps.

Part one times the steps on scikit-image's astronaut photo scaled to 1280x720 (CPU milliseconds
per frame, the median of N runs): the segmentation model alone (scale to 256x144 + onnxruntime,
one thread), replacing with a picture, blurring. Part two runs the self-view pipeline (the
test-pattern camera, 1280x720@30) for DURATION seconds without and with the effect and reports
cores used (1.0 = one full core). Baseline: the same pipeline without the effect, in this run.

Run: python bench/background_bench.py [seconds]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from PIL import Image
from skimage import data

from meetroom.media.background import blurred, composite
from meetroom.media.capture import Capture, SelfViewConfig
from meetroom.media.devices import VIRTUAL_DEVICES
from meetroom.media.framestore import FrameStore
from meetroom.media.segmentation import PersonSegmenter

DURATION = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
N = 60


def cpu_ms(step) -> float:
    samples = []
    for _ in range(N):
        start = time.process_time()
        step()
        samples.append((time.process_time() - start) * 1000)
    return statistics.median(samples)


def pipeline(effect) -> tuple[float, float]:
    store = FrameStore()
    config = SelfViewConfig(camera=VIRTUAL_DEVICES[0], width=1280, height=720, fps=30, name=lambda: "bench")
    config.background = effect
    capture = Capture(store, config)
    capture.acquire()
    time.sleep(1.0)
    frames0, cpu0, wall0 = capture.frames, time.process_time(), time.monotonic()
    time.sleep(DURATION)
    frames1, cpu1, wall1 = capture.frames, time.process_time(), time.monotonic()
    capture.stop()
    return (cpu1 - cpu0) / (wall1 - wall0), (frames1 - frames0) / (wall1 - wall0)


def main() -> None:
    built = time.monotonic()
    segmenter = PersonSegmenter()
    print(f"model converted and loaded in {time.monotonic() - built:.2f} s")
    frame = np.asarray(Image.fromarray(data.astronaut()).resize((1280, 720)))
    picture = np.zeros_like(frame)
    picture[:] = (20, 200, 40)
    mask = segmenter.small_mask(frame)
    model = cpu_ms(lambda: segmenter.small_mask(frame))
    replace = cpu_ms(lambda: composite(frame, picture, segmenter.small_mask(frame)))
    blur = cpu_ms(lambda: composite(frame, blurred(frame), mask))
    print(
        f"per 1280x720 frame (CPU ms, median of {N}): model {model:.1f}, "
        f"model + replace {replace:.1f}, blur + composite {blur:.1f}"
    )

    from meetroom.media.background import BackgroundReplacement

    class Uploads:
        def get(self, file_id):
            return None

    class Store:
        def items(self, ns):
            return {}

        def put(self, *args):
            pass

    effect = BackgroundReplacement(Store(), Uploads(), type("E", (), {"publish": lambda *a, **k: None})())
    effect.enabled = True  # blur: the default background
    plain_cores, plain_fps = pipeline(None)
    cores, fps = pipeline(effect)
    print(
        f"self view 1280x720@30: plain {plain_cores:.3f} cores at {plain_fps:.1f} fps; "
        f"with blurred background {cores:.3f} cores at {fps:.1f} fps"
    )


if __name__ == "__main__":
    main()
