"""The room's own slideshow as plain state: the slide list, whether it runs, the current slide,
and the queue of pictures waiting to be prepared for showing.

No I/O here: the service (meetroom/media/slides.py) persists the list, renders the pictures and
announces every change. Every method either succeeds completely or raises SlideError with a text
a person can act on, leaving the state as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from meetroom.core.errors import DomainError

MAX_SLIDES = 500
MAX_TITLE = 256


class SlideError(DomainError, ValueError):
    """A slideshow request that cannot be carried out; the text says why."""


@dataclass(frozen=True)
class Slide:
    file_id: int
    name: str

    def entry(self, idx: int) -> dict[str, Any]:
        return {"idx": idx, "name": self.name, "fileId": self.file_id}

    def ref(self) -> dict[str, Any]:
        return {"name": self.name, "fileId": self.file_id}


def natural_key(slide: Slide) -> tuple[Any, ...]:
    """File names compared as people read them: "slide 2" before "slide 10", case ignored."""
    parts = re.split(r"(\d+)", slide.name.casefold())
    return (*((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts), slide.file_id)


@dataclass
class SlideShow:
    slides: list[Slide] = field(default_factory=list)
    started: bool = False
    title: str = ""
    current: int = 0

    # --- the list ---------------------------------------------------------------------
    @property
    def available(self) -> bool:
        """A slideshow can start once it has at least one slide."""
        return bool(self.slides)

    def index_of(self, file_id: int) -> int | None:
        for i, slide in enumerate(self.slides):
            if slide.file_id == file_id:
                return i
        return None

    def check_index(self, idx: int, what: str = "idx") -> int:
        if not self.slides:
            raise SlideError("the slideshow has no slides; add one with addSlide")
        if not 0 <= idx < len(self.slides):
            raise SlideError(f"{what} {idx} is out of range: the slideshow has slides 0..{len(self.slides) - 1}")
        return idx

    def add(self, slide: Slide) -> int:
        existing = self.index_of(slide.file_id)
        if existing is not None:
            raise SlideError(f"file {slide.file_id} is already slide {existing}")
        if len(self.slides) >= MAX_SLIDES:
            raise SlideError(f"the slideshow is full ({MAX_SLIDES} slides); remove some first")
        self.slides.append(slide)
        return len(self.slides) - 1

    def remove(self, idx: int) -> Slide:
        """Take one slide out; a running show keeps showing the same slide, or the next one."""
        self.check_index(idx)
        slide = self.slides.pop(idx)
        if not self.slides:
            self.stop()
        elif self.started and idx < self.current:
            self.current -= 1
        elif self.started:
            self.current = min(self.current, len(self.slides) - 1)
        return slide

    def clear(self) -> list[Slide]:
        gone, self.slides = self.slides, []
        self.stop()
        return gone

    def sort(self) -> None:
        """Order by file name; the slide on show stays on show at its new index."""
        shown = self.current_slide()
        self.slides.sort(key=natural_key)
        if shown is not None:
            self.current = self.slides.index(shown)

    def move(self, from_idx: int, to_idx: int) -> Slide:
        self.check_index(from_idx, "fromIdx")
        self.check_index(to_idx, "toIdx")
        shown = self.current_slide()
        slide = self.slides.pop(from_idx)
        self.slides.insert(to_idx, slide)
        if shown is not None:
            self.current = self.slides.index(shown)
        return slide

    # --- showing ----------------------------------------------------------------------
    def current_slide(self) -> Slide | None:
        return self.slides[self.current] if self.started and self.slides else None

    def start(self, title: str | None, starting_idx: int | None) -> None:
        if not self.slides:
            raise SlideError("the slideshow has no slides; add one with addSlide first")
        if title is not None and len(title) > MAX_TITLE:
            raise SlideError(f"title is too long ({len(title)} characters, at most {MAX_TITLE})")
        idx = self.check_index(starting_idx, "startingIdx") if starting_idx is not None else None
        if not self.started:
            self.started = True
            self.current = 0
            self.title = ""
        if title is not None:
            self.title = title
        if idx is not None:
            self.current = idx

    def stop(self) -> None:
        self.started = False
        self.current = 0
        self.title = ""

    def _running(self) -> None:
        if not self.started:
            raise SlideError("the slideshow is not running; start it with startSlideShow")

    def show(self, idx: int) -> None:
        self._running()
        self.current = self.check_index(idx)

    def step(self, delta: int) -> None:
        """Next (+1) or previous (-1) slide; refused at either end rather than wrapping round."""
        self._running()
        target = self.current + delta
        if target >= len(self.slides):
            raise SlideError("already at the last slide")
        if target < 0:
            raise SlideError("already at the first slide")
        self.current = target

    def first(self) -> None:
        self._running()
        self.current = 0

    def last(self) -> None:
        self._running()
        self.current = len(self.slides) - 1

    def entries(self) -> list[dict[str, Any]]:
        return [s.entry(i) for i, s in enumerate(self.slides)]


@dataclass
class CacheQueue:
    """Pictures waiting to be prepared, the one being prepared now and the prepared ones."""

    queue: list[Slide] = field(default_factory=list)
    cached: dict[int, Slide] = field(default_factory=dict)
    current: Slide | None = None

    def is_cached(self, file_id: int) -> bool:
        return file_id in self.cached

    def pending(self, file_id: int) -> bool:
        return (self.current is not None and self.current.file_id == file_id) or any(
            s.file_id == file_id for s in self.queue
        )

    def enqueue(self, slide: Slide, *, first: bool = False) -> bool:
        """Queue a picture unless it is ready or on its way; `first` moves it to the front."""
        if self.is_cached(slide.file_id) or (self.current is not None and self.current.file_id == slide.file_id):
            return False
        queued = [s for s in self.queue if s.file_id == slide.file_id]
        if queued and not first:
            return False
        self.queue = [s for s in self.queue if s.file_id != slide.file_id]
        if first:
            self.queue.insert(0, slide)
        else:
            self.queue.append(slide)
        return not queued

    def take(self) -> Slide | None:
        """The next picture to prepare, now marked as being prepared."""
        if self.current is not None or not self.queue:
            return None
        self.current = self.queue.pop(0)
        return self.current

    def finished(self, slide: Slide, ok: bool) -> bool:
        """Record the end of a preparation; False when it was cancelled meanwhile."""
        if self.current != slide:
            return False
        self.current = None
        if ok:
            self.cached[slide.file_id] = slide
        return ok

    def drop(self, file_id: int) -> Slide | None:
        """Take a picture out of the queue (or cancel its preparation); None if it was not there."""
        if self.current is not None and self.current.file_id == file_id:
            slide, self.current = self.current, None
            return slide
        for i, slide in enumerate(self.queue):
            if slide.file_id == file_id:
                return self.queue.pop(i)
        return None

    def stop_all(self) -> list[Slide]:
        stopped = ([self.current] if self.current is not None else []) + self.queue
        self.queue = []
        self.current = None
        return stopped

    def forget(self, file_id: int) -> None:
        """The slide is gone: nothing about it stays in the cache."""
        self.drop(file_id)
        self.cached.pop(file_id, None)

    @property
    def running(self) -> bool:
        return self.current is not None or bool(self.queue)

    def report(self, order: list[Slide]) -> dict[str, Any]:
        """The getSlideShowCache reply; prepared slides listed in slideshow order."""
        position = {s.file_id: i for i, s in enumerate(order)}
        cached = sorted(self.cached.values(), key=lambda s: position.get(s.file_id, len(position)))
        return {
            "imagesQueueForCaching": [s.ref() for s in self.queue],
            "cachedSlides": [s.ref() for s in cached],
            "isImagesCachingRunning": self.running,
            "currentlyCachingImage": self.current.ref() if self.current is not None else {},
        }
