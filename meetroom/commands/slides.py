"""The slideshow commands: building the slide list from uploaded pictures, running the show on
the main screen, and the queue of pictures being prepared for it (meetroom/media/slides.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.commands.files import FILE_ID, file_in_use, file_record
from meetroom.commands.services import Context, RoomServices
from meetroom.media import images
from meetroom.store.files import parse_id

commands = CommandTable()
command = commands.command


def _other_use(services: RoomServices, file_id: int) -> str | None:
    """What else than the slideshow needs this file (it may not be deleted then)."""
    return file_in_use(services, file_id, slides=False)


@command("addSlide", params=FILE_ID)
async def add_slide(ctx: Context, msg: dict[str, Any]) -> None:
    services = ctx.services
    record = file_record(services, msg["fileId"])
    if (idx := services.slides.index_of(record.id)) is not None:
        raise CommandError(f"file {record.id} is already slide {idx}")
    try:
        await asyncio.to_thread(images.check_image, services.files.path(record.id))
    except images.NotAnImage as exc:
        raise CommandError(f"only pictures can be slides: file {record.id} ({record.name}): {exc}") from None
    if services.files.get(record.id) is None:  # deleted while it was being checked
        raise CommandError(f"no uploaded file with id {record.id}")
    services.slides.add(record.id, record.name)


@command("removeSlide")
async def remove_slide(ctx: Context, msg: dict[str, Any]) -> None:
    services = ctx.services
    slide = services.slides.slide_at(msg["idx"])
    if msg["removeFromServer"] and (use := _other_use(services, slide.file_id)) is not None:
        raise CommandError(f"file {slide.file_id} is also used as {use}; remove the slide with removeFromServer false")
    services.slides.remove(msg["idx"], bool(msg["removeFromServer"]))


@command("removeAllSlides")
async def remove_all_slides(ctx: Context, msg: dict[str, Any]) -> None:
    services = ctx.services
    if msg["removeFromServer"]:
        for slide in services.slides.slides():
            if (use := _other_use(services, slide.file_id)) is not None:
                raise CommandError(
                    f"file {slide.file_id} ({slide.name}) is also used as {use}; nothing was removed "
                    "(use removeFromServer false to keep the files)"
                )
    services.slides.remove_all(bool(msg["removeFromServer"]))


@command("sortSlides")
async def sort_slides(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.slides.sort()


@command("setSlidePosition")
async def set_slide_position(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.slides.move(msg["fromIdx"], msg["toIdx"])


@command("startSlideShow")
async def start_slide_show(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.slides.start_show(msg.get("title"), msg.get("startingIdx"))


@command("stopSlideShow")
async def stop_slide_show(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.slides.stop_show()


@command("showSlide")
async def show_slide(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.slides.navigate("show", msg["idx"])


def _navigation(name: str, action: str) -> None:
    async def handler(ctx: Context, msg: dict[str, Any]) -> None:
        ctx.services.slides.navigate(action)

    handler.__name__ = name
    command(name)(handler)


for _name, _action in (
    ("showFirstSlide", "first"),
    ("showLastSlide", "last"),
    ("showNextSlide", "next"),
    ("showPrevSlide", "prev"),
):
    _navigation(_name, _action)


@command("getSlideShowInfo")
async def get_slide_show_info(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.services.slides.info()


@command("getSlideShowCache")
async def get_slide_show_cache(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.services.slides.cache_report()


@command("removeImageFromCachingQueue", params=FILE_ID)
async def remove_image_from_caching_queue(ctx: Context, msg: dict[str, Any]) -> None:
    file_id = parse_id(msg["fileId"])
    if file_id is None:
        raise CommandError("fileId must be a positive number (the FileId header of the upload)")
    ctx.services.slides.remove_from_queue(file_id)


@command("stopCachingAllImages")
async def stop_caching_all_images(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.slides.stop_caching()
