"""The slideshow service: keeps the slide list in SQLite, prepares each picture for showing in the
background, serves the running show's slides through the HTTP server and announces every change.

Preparing ("caching") a slide renders the uploaded picture once into a screen-ready JPEG kept
beside the database (<data dir>/slides/<fileId>.jpg), so flipping slides costs only a file read.
One worker prepares the queue in order; a slide that is about to be shown jumps the queue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from meetroom.core.events import Events
from meetroom.core.slides import CacheQueue, Slide, SlideError, SlideShow
from meetroom.core.tasks import TaskSet, cancel_all_and_wait
from meetroom.media.images import NotAnImage
from meetroom.media.uploads import UploadedFiles
from meetroom.store.db import Store

log = logging.getLogger(__name__)

STORE_NS = "slides"
STORE_KEY = "list"
READY_TIMEOUT = 30.0  # how long showing a slide waits for its picture to be prepared


class SlideService:
    def __init__(
        self,
        store: Store,
        files: UploadedFiles,
        events: Events,
        directory: Path,
        web_address: Callable[[], str],
    ) -> None:
        """`directory` keeps the prepared pictures; `web_address` is the HTTP server's base URL now."""
        self.store = store
        self.files = files
        self.events = events
        self.web_address = web_address
        self.show = SlideShow()
        self.cache = CacheQueue()
        self.directory = directory
        self._wake = asyncio.Event()
        self._waiters: dict[int, list[asyncio.Future[bool]]] = {}
        self._uploaded: set[int] = set()  # slides announced with slideUploaded in this run
        self._worker: asyncio.Task[None] | None = None
        self._tasks = TaskSet()
        self._load()

    # --- persistence ------------------------------------------------------------------
    def _load(self) -> None:
        """The saved list; slides whose file has gone are dropped, unprepared ones queued."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for entry in self.store.get(STORE_NS, STORE_KEY, []):
            try:
                file_id, name = int(entry[0]), str(entry[1])
            except (TypeError, ValueError, IndexError):
                continue
            if self.files.get(file_id) is None or self.show.index_of(file_id) is not None:
                continue
            slide = Slide(file_id, name)
            self.show.slides.append(slide)
            if self.cache_path(file_id).is_file():
                self.cache.cached[file_id] = slide
            else:
                self.cache.enqueue(slide)
        keep = {self.cache_path(s.file_id).name for s in self.show.slides}
        for leftover in self.directory.iterdir():
            if leftover.name not in keep:
                leftover.unlink(missing_ok=True)

    def _save(self) -> None:
        self.store.put(STORE_NS, STORE_KEY, [[s.file_id, s.name] for s in self.show.slides])

    def cache_path(self, file_id: int) -> Path:
        return self.directory / f"{int(file_id)}.jpg"

    # --- lifecycle --------------------------------------------------------------------
    def start(self) -> None:
        self._kick()

    async def close(self) -> None:
        await cancel_all_and_wait([*self._tasks, *([self._worker] if self._worker else [])])

    def _publish(self, event: str, fields: dict[str, Any] | None = None) -> None:
        self.events.publish(event, fields or {})

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self._tasks.spawn(coro)

    # --- queries ----------------------------------------------------------------------
    def url(self, file_id: int) -> str:
        """Where the running show's slide is on the HTTP server (add ?token=<HTTP token>)."""
        base = urlsplit(self.web_address())
        return f"{base.scheme}://{base.netloc}/slides/{int(file_id)}"

    def info(self) -> dict[str, Any]:
        show = self.show
        # currentSlideIdx is always present (-1 when no show runs): the documented example carries it
        # while stopped, and python-trueconf-room's reply filter needs it.
        reply: dict[str, Any] = {
            "available": show.available,
            "started": show.started,
            "slides": show.entries(),
            "currentSlideIdx": show.current if show.started else -1,
        }
        if show.started:
            for entry in reply["slides"]:
                entry["url"] = self.url(entry["fileId"])
            reply["title"] = show.title
        return reply

    def cache_report(self) -> dict[str, Any]:
        return self.cache.report(self.show.slides)

    def uses(self, file_id: int) -> str | None:
        idx = self.show.index_of(file_id)
        return None if idx is None else f"slide {idx} of the slideshow"

    def index_of(self, file_id: int) -> int | None:
        return self.show.index_of(file_id)

    def slides(self) -> list[Slide]:
        return list(self.show.slides)

    def slide_at(self, idx: int) -> Slide:
        return self.show.slides[self.show.check_index(idx)]

    # --- the list ---------------------------------------------------------------------
    def add(self, file_id: int, name: str) -> int:
        slide = Slide(file_id, name)
        was_available = self.show.available
        idx = self.show.add(slide)
        self._save()
        self._publish("slideAdded", slide.entry(idx))
        self._queue(slide)
        if not was_available:
            self._publish("slideShowAvailabilityChanged", {"available": True})
        return idx

    def remove(self, idx: int, delete_file: bool) -> None:
        before = self._position()
        slide = self.show.remove(idx)
        self._forget(slide)
        self._save()
        if delete_file:
            self._delete_file(slide.file_id)
        self._publish("slideRemoved", {"idx": idx, "removedFromServer": delete_file})
        self._after_change(before, slide_gone=before[1] == idx)
        if not self.show.available:
            self._publish("slideShowAvailabilityChanged", {"available": False})

    def remove_all(self, delete_files: bool) -> None:
        before = self._position()
        gone = self.show.clear()
        for slide in gone:
            self._forget(slide)
        self._save()
        if delete_files:
            for slide in gone:
                self._delete_file(slide.file_id)
        if before[0]:
            self._stopped()
        self._publish("allSlidesRemoved", {"removedFromServer": delete_files})
        self._publish("slideShowCleared")
        if gone:
            self._publish("slideShowAvailabilityChanged", {"available": False})

    def sort(self) -> None:
        before = self._position()
        self.show.sort()
        self._save()
        self._publish("slidesSorted", {"slides": self.show.entries()})
        self._after_change(before)

    def move(self, from_idx: int, to_idx: int) -> None:
        before = self._position()
        slide = self.show.move(from_idx, to_idx)
        if from_idx == to_idx:
            return
        self._save()
        self._publish("slidePositionChanged", {"prevIdx": from_idx, "newIdx": to_idx, **slide.ref()})
        self._after_change(before)

    # --- showing ----------------------------------------------------------------------
    def start_show(self, title: str | None, starting_idx: int | None) -> None:
        was_started, old_title, old_current = self.show.started, self.show.title, self.show.current
        self.show.start(title, starting_idx)
        if not was_started:
            self._uploaded.clear()
            self._publish("mySlideShowStarted", {"title": self.show.title, "currentSlideIndex": self.show.current})
        else:
            if self.show.title != old_title:
                self._publish("mySlideShowTitleChanged", {"newTitle": self.show.title})
            if self.show.current != old_current:
                self._publish("currentSlideIndexChanged", {"currentIdx": self.show.current})
        self._announce_upload()

    def stop_show(self) -> None:
        if not self.show.started:
            raise SlideError("the slideshow is not running")
        self.show.stop()
        self._stopped()

    def navigate(self, action: str, idx: int | None = None) -> None:
        """showSlide / showFirstSlide / showLastSlide / showNextSlide / showPrevSlide."""
        before = self.show.current
        if action == "show":
            self.show.show(idx if idx is not None else before)
        elif action == "first":
            self.show.first()
        elif action == "last":
            self.show.last()
        else:
            self.show.step(1 if action == "next" else -1)
        if self.show.current != before:
            self._publish("currentSlideIndexChanged", {"currentIdx": self.show.current})
            self._announce_upload()

    def _position(self) -> tuple[bool, int]:
        return self.show.started, self.show.current

    def _after_change(self, before: tuple[bool, int], slide_gone: bool = False) -> None:
        """Tell what a list change did to the running show: stopped, or a new current index."""
        was_started, old_current = before
        if not was_started:
            return
        if not self.show.started:
            self._stopped()
        elif self.show.current != old_current or slide_gone:
            self._publish("currentSlideIndexChanged", {"currentIdx": self.show.current})
            self._announce_upload()

    def _stopped(self) -> None:
        self._uploaded.clear()
        self._publish("mySlideShowStopped")

    def _announce_upload(self) -> None:
        slide = self.show.current_slide()
        if slide is not None and slide.file_id not in self._uploaded:
            self._spawn(self._upload_when_ready(slide))

    async def _upload_when_ready(self, slide: Slide) -> None:
        """slideUploaded once per slide and run, when its picture can be fetched."""
        if await self.ready(slide) is None or not self.show.started or slide.file_id in self._uploaded:
            return
        idx = self.show.index_of(slide.file_id)
        if idx is not None:
            self._uploaded.add(slide.file_id)
            self._publish("slideUploaded", {"idx": idx, "url": self.url(slide.file_id)})

    # --- the cache --------------------------------------------------------------------
    def _queue(self, slide: Slide, *, first: bool = False) -> None:
        if self.cache.enqueue(slide, first=first):
            self._publish("imageAddedToCachingQueue", slide.ref())
        self._kick()

    def _forget(self, slide: Slide) -> None:
        self.cache.forget(slide.file_id)
        self._uploaded.discard(slide.file_id)
        self._resolve(slide.file_id, False)
        self.cache_path(slide.file_id).unlink(missing_ok=True)

    def _delete_file(self, file_id: int) -> None:
        self.files.delete(file_id)  # announces fileTransferFileDeleted

    def remove_from_queue(self, file_id: int) -> None:
        slide = self.cache.drop(file_id)
        if slide is None:
            raise SlideError(f"file {file_id} is not waiting in the caching queue")
        self._resolve(file_id, False)
        self._publish("imageRemovedFromCachingQueue", slide.ref())

    def stop_caching(self) -> None:
        for slide in self.cache.stop_all():
            self._resolve(slide.file_id, False)
        self._publish("allSlidesCachingStopped")

    async def ready(self, slide: Slide, timeout: float = READY_TIMEOUT) -> Path | None:
        """The prepared picture of a slide, preparing it first (ahead of the queue) if needed."""
        if self.cache.is_cached(slide.file_id):
            return self.cache_path(slide.file_id)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(slide.file_id, []).append(future)
        self._queue(slide, first=True)
        try:
            ok = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return None
        return self.cache_path(slide.file_id) if ok else None

    def _resolve(self, file_id: int, ok: bool) -> None:
        for future in self._waiters.pop(file_id, []):
            if not future.done():
                future.set_result(ok)

    def _kick(self) -> None:
        self._wake.set()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work(), name="slide-cache")

    async def _work(self) -> None:
        while True:
            slide = self.cache.take()
            if slide is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            self._publish("slideCachingStarted", slide.ref())
            dest = self.cache_path(slide.file_id)
            from meetroom.media.slideimage import render_slide  # Pillow loads with the first slide, not at start

            try:
                await asyncio.to_thread(render_slide, self.files.path(slide.file_id), dest)
                ok = True
            except (NotAnImage, OSError) as exc:
                log.warning("cannot prepare slide %s (%s): %s", slide.file_id, slide.name, exc)
                ok = False
            if self.cache.finished(slide, ok):
                self._publish("slideCached", slide.ref())
                self._resolve(slide.file_id, True)
            elif not self.cache.is_cached(slide.file_id):
                dest.unlink(missing_ok=True)  # cancelled or removed meanwhile, or it failed
                if not ok:
                    self._resolve(slide.file_id, False)
