"""Picture work yields the CPU to the control API: it runs at a lower scheduling priority.

During a call the video encoder, the video decoders and the capture compete for the cores with
the thread that answers control panels; when both are ready the kernel runs the one with the
lower nice value first, so a control panel's request waits less behind a picture being encoded
(bench/call_api_latency.py). Lowering a thread's own priority needs no privilege. Sound keeps its
priority: audio framing and RTP run on the API thread, Opus encodes in the same worker threads as
VP8 (so a VP8 encode is handed to lowered picture threads of its own), the audio decoder is left
alone.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

log = logging.getLogger(__name__)

MEDIA_NICENESS = 5  # above the process's main thread; enough for the kernel to prefer the API
PICTURE_THREADS = 2  # VP8 encodes at once (a call's, a content share's, a recording's)
T = TypeVar("T")


def lower_this_thread() -> None:
    """The calling thread at MEDIA_NICENESS above the process's main thread (Linux); never raises.

    Only ever upwards: an unprivileged thread cannot take its priority back, so threads that also
    carry sound (aiortc's shared worker threads encode Opus too) are never lowered."""
    try:
        base = os.getpriority(os.PRIO_PROCESS, os.getpid())  # Linux: the main thread's
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), min(19, base + MEDIA_NICENESS))
    except (AttributeError, OSError) as exc:  # not Linux, or a sandbox that refuses
        log.debug("media thread keeps its priority: %s", exc)


_pictures: ThreadPoolExecutor | None = None
_pictures_lock = threading.Lock()


def run_lowered(work: Callable[..., T], *args: Any) -> T:
    """`work(*args)` in one of the lowered picture threads, waited for by the calling thread."""
    global _pictures
    with _pictures_lock:
        if _pictures is None:
            _pictures = ThreadPoolExecutor(
                max_workers=PICTURE_THREADS, thread_name_prefix="meetroom-picture", initializer=lower_this_thread
            )
    return _pictures.submit(work, *args).result()


_decoders_lowered = False


def lower_video_decoders() -> None:
    """aiortc's video decoder threads run lowered too (it starts them through a module-level name)."""
    global _decoders_lowered
    if _decoders_lowered:
        return
    import aiortc.rtcrtpreceiver as receiver

    original = receiver.decoder_worker

    def decoder_worker(*args: Any, **kwargs: Any) -> None:
        if threading.current_thread().name == "video-decoder":
            lower_this_thread()
        original(*args, **kwargs)

    receiver.decoder_worker = decoder_worker
    _decoders_lowered = True
