"""The slideshow against a real room: the slide list and its events, running the show, the slide
URLs on the HTTP server, the caching queue, persistence across a restart, and the main screen
showing the current slide in real Chromium.
"""

from __future__ import annotations

import copy
import io
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from playwright.sync_api import expect

from meetroom.core.slides import CacheQueue, Slide, SlideError, SlideShow
from meetroom.media.images import NotAnImage
from meetroom.media.slideimage import render_slide
from tests.support.browser import api, browser, context  # noqa: F401  (fixtures)
from tests.support.media import get, png_bytes, upload

RED, GREEN, BLUE = (220, 30, 30), (30, 200, 60), (40, 60, 230)


async def _upload(room, client, data: bytes, name: str) -> int:
    status, body, headers = await upload(room.http_port, client.http_token, data, name)
    assert status == 200, body
    return int(headers["FileId"])


async def _slide(room, client, colour, name: str, size=(320, 180)) -> int:
    file_id = await _upload(room, client, png_bytes(*size, colour=colour), name)
    assert (await client.call("addSlide", fileId=file_id))["result"] is True
    return file_id


def _order(info: dict) -> list[int]:
    assert [s["idx"] for s in info["slides"]] == list(range(len(info["slides"])))
    return [s["fileId"] for s in info["slides"]]


def _picture(body: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(body))
    assert image.format == "JPEG"
    return image.convert("RGB")


def _near(actual, wanted, tolerance: int = 14) -> bool:
    return all(abs(a - w) <= tolerance for a, w in zip(actual, wanted, strict=True))


async def test_slide_list_only_takes_pictures_and_reports_every_change(room, connect):
    client = await connect(room)
    info = await client.call("getSlideShowInfo")
    assert (info["available"], info["started"], info["slides"]) == (False, False, [])
    assert info["currentSlideIdx"] == -1 and "title" not in info

    text_id = await _upload(room, client, b"quarterly numbers, not a picture", "notes.txt")
    for bad, words in (
        ({"fileId": text_id}, "only pictures"),
        ({"fileId": 999_999}, "999999"),
        ({"fileId": "../1"}, "positive number"),
        ({"fileId": True}, "fileId"),
        ({}, "fileId"),
    ):
        reply = await client.call("addSlide", **bad)
        assert reply["result"] is False and words in reply["error"], (bad, reply)
    assert (await client.call("getSlideShowInfo"))["slides"] == []

    b10 = await _slide(room, client, RED, "b 10.png")
    added = await client.wait_event("slideAdded")
    assert added | {"method": "event"} == {
        "method": "event",
        "event": "slideAdded",
        "name": "b 10.png",
        "fileId": b10,
        "idx": 0,
    }
    assert (await client.wait_event("slideShowAvailabilityChanged"))["available"] is True
    assert (await client.wait_event("imageAddedToCachingQueue"))["fileId"] == b10
    a = await _slide(room, client, GREEN, "a.png")
    b2 = await _slide(room, client, BLUE, "b 2.png")
    assert (await client.wait_event("slideAdded", lambda e: e["fileId"] == b2))["idx"] == 2
    dup = await client.call("addSlide", fileId=str(a))  # ids may come as strings
    assert dup["result"] is False and "already slide 1" in dup["error"]
    info = await client.call("getSlideShowInfo")
    assert info["available"] is True and _order(info) == [b10, a, b2]
    assert [s["name"] for s in info["slides"]] == ["b 10.png", "a.png", "b 2.png"]

    moved = await client.call("setSlidePosition", fromIdx=0, toIdx=2)
    assert moved["result"] is True
    event = await client.wait_event("slidePositionChanged")
    assert (event["prevIdx"], event["newIdx"], event["fileId"], event["name"]) == (0, 2, b10, "b 10.png")
    assert _order(await client.call("getSlideShowInfo")) == [a, b2, b10]
    for bad in ({"fromIdx": 0, "toIdx": 3}, {"fromIdx": -1, "toIdx": 0}, {"fromIdx": "0", "toIdx": 1}, {"toIdx": 1}):
        reply = await client.call("setSlidePosition", **bad)
        assert reply["result"] is False and reply["error"], bad
    assert _order(await client.call("getSlideShowInfo")) == [a, b2, b10]

    await client.call("setSlidePosition", fromIdx=0, toIdx=2)
    assert (await client.call("sortSlides"))["result"] is True
    sorted_event = await client.wait_event("slidesSorted")
    assert [s["fileId"] for s in sorted_event["slides"]] == [a, b2, b10]  # "b 2" before "b 10"
    assert _order(await client.call("getSlideShowInfo")) == [a, b2, b10]

    # Every slide gets prepared in the background; the cache lists them in slideshow order.
    for file_id in (a, b2, b10):
        await client.wait_event("slideCached", lambda e, f=file_id: e["fileId"] == f)
    cache = await client.call("getSlideShowCache")
    assert [c["fileId"] for c in cache["cachedSlides"]] == [a, b2, b10]
    assert cache["imagesQueueForCaching"] == [] and cache["isImagesCachingRunning"] is False
    assert cache["currentlyCachingImage"] == {}

    # A slide's file cannot be deleted behind the slideshow's back.
    refused = await client.call("deleteFileTransferFile", fileId=a)
    assert refused["result"] is False and "slide 0" in refused["error"]

    for bad in ({"idx": 3, "removeFromServer": False}, {"idx": 0}, {"idx": 0, "removeFromServer": "yes"}):
        reply = await client.call("removeSlide", **bad)
        assert reply["result"] is False and reply["error"], bad
    assert (await client.call("removeSlide", idx=1, removeFromServer=False))["result"] is True
    removed = await client.wait_event("slideRemoved")
    assert (removed["idx"], removed["removedFromServer"]) == (1, False)
    assert _order(await client.call("getSlideShowInfo")) == [a, b10]
    assert b2 in [f["fileId"] for f in (await client.call("getFileList"))["fileList"]]
    assert (await client.call("getAppState"))["result"] is True  # connection and room still fine


async def test_running_show_serves_slides_and_follows_navigation(room, connect):
    client = await connect(room)
    token = client.http_token
    red = await _slide(room, client, RED, "1.png")
    wide = await _slide(room, client, GREEN, "2.png", size=(2400, 1600))
    blue = await _slide(room, client, BLUE, "3.png")
    for name in ("showNextSlide", "showFirstSlide", "stopSlideShow"):
        reply = await client.call(name)
        assert reply["result"] is False and "not running" in reply["error"], name
    reply = await client.call("startSlideShow", startingIdx=3)
    assert reply["result"] is False and "startingIdx 3" in reply["error"]
    assert (await client.call("getSlideShowInfo"))["started"] is False

    assert (await client.call("startSlideShow", title="Q3 review", startingIdx=1))["result"] is True
    started = await client.wait_event("mySlideShowStarted")
    assert (started["title"], started["currentSlideIndex"]) == ("Q3 review", 1)
    uploaded = await client.wait_event("slideUploaded")
    info = await client.call("getSlideShowInfo")
    assert (info["started"], info["title"], info["currentSlideIdx"]) == (True, "Q3 review", 1)
    urls = {s["fileId"]: s["url"] for s in info["slides"]}
    assert uploaded == uploaded | {"idx": 1, "url": urls[wide]}
    assert urlsplit(urls[wide]).netloc == f"127.0.0.1:{room.http_port}"

    # The URL follows the HTTP token rule; the slide comes prepared: a JPEG at most 1920x1080.
    status, _, _ = await get(urls[wide])
    assert status == 401
    status, body, headers = await get(f"{urls[wide]}?token={quote(token)}")
    assert status == 200 and headers["Content-Type"] == "image/jpeg"
    picture = _picture(body)
    assert picture.size == (1620, 1080)
    assert _near(picture.getpixel((810, 540)), GREEN)
    status, body, _ = await get(f"{urls[blue]}?token={quote(token)}")
    assert status == 200 and _near(_picture(body).getpixel((160, 90)), BLUE)
    text_id = await _upload(room, client, b"not a slide", "x.txt")
    status, _, _ = await get(f"http://127.0.0.1:{room.http_port}/slides/{text_id}?token={quote(token)}")
    assert status == 404

    async def moves_to(method: str, expected: int, **params) -> None:
        assert (await client.call(method, **params))["result"] is True, method
        assert (await client.wait_event("currentSlideIndexChanged"))["currentIdx"] == expected, method

    await moves_to("showNextSlide", 2)
    reply = await client.call("showNextSlide")
    assert reply["result"] is False and "last slide" in reply["error"]
    await moves_to("showPrevSlide", 1)
    await moves_to("showFirstSlide", 0)
    reply = await client.call("showPrevSlide")
    assert reply["result"] is False and "first slide" in reply["error"]
    await moves_to("showLastSlide", 2)
    for bad in ({"idx": 3}, {"idx": -1}, {"idx": "1"}, {}):
        reply = await client.call("showSlide", **bad)
        assert reply["result"] is False and reply["error"], bad
    await moves_to("showSlide", 0, idx=0)
    assert (await client.call("getSlideShowInfo"))["currentSlideIdx"] == 0

    # Starting again while running changes the title; reordering keeps the same slide on show.
    assert (await client.call("startSlideShow", title="Q4 review"))["result"] is True
    assert (await client.wait_event("mySlideShowTitleChanged"))["newTitle"] == "Q4 review"
    await moves_to("setSlidePosition", 2, fromIdx=0, toIdx=2)
    info = await client.call("getSlideShowInfo")
    assert _order(info) == [wide, blue, red] and info["slides"][info["currentSlideIdx"]]["fileId"] == red

    # Removing the slide on show with its file: the file is gone, the show moves to a neighbour.
    assert (await client.call("removeSlide", idx=2, removeFromServer=True))["result"] is True
    removed = await client.wait_event("slideRemoved")
    assert (removed["idx"], removed["removedFromServer"]) == (2, True)
    assert (await client.wait_event("fileTransferFileDeleted"))["file"]["fileId"] == red
    assert (await client.wait_event("currentSlideIndexChanged"))["currentIdx"] == 1
    assert red not in [f["fileId"] for f in (await client.call("getFileList"))["fileList"]]
    status, _, _ = await get(f"http://127.0.0.1:{room.http_port}/files/{red}?token={quote(token)}")
    assert status == 404

    assert (await client.call("stopSlideShow"))["result"] is True
    await client.wait_event("mySlideShowStopped")
    info = await client.call("getSlideShowInfo")
    assert info["started"] is False and "url" not in info["slides"][0] and "title" not in info
    status, _, _ = await get(f"{urls[wide]}?token={quote(token)}")
    assert status == 404

    # removeAllSlides while running stops the show; the files stay unless asked otherwise.
    assert (await client.call("startSlideShow"))["result"] is True
    await client.wait_event("mySlideShowStarted")
    assert (await client.call("removeAllSlides", removeFromServer=False))["result"] is True
    await client.wait_event("mySlideShowStopped")
    assert (await client.wait_event("allSlidesRemoved"))["removedFromServer"] is False
    await client.wait_event("slideShowCleared")
    assert (await client.wait_event("slideShowAvailabilityChanged", lambda e: not e["available"])) is not None
    info = await client.call("getSlideShowInfo")
    assert (info["available"], info["started"], info["slides"]) == (False, False, [])
    files = [f["fileId"] for f in (await client.call("getFileList"))["fileList"]]
    assert wide in files and blue in files
    reply = await client.call("startSlideShow")
    assert reply["result"] is False and "no slides" in reply["error"]


async def test_caching_queue_can_be_trimmed_and_stopped(room, connect):
    client = await connect(room)
    # A large picture keeps the single preparing worker busy (about a second) while we look.
    big = await _upload(room, client, png_bytes(5000, 4000, colour=RED), "big.png")
    assert (await client.call("addSlide", fileId=big))["result"] is True
    await client.wait_event("slideCachingStarted", lambda e: e["fileId"] == big)
    second = await _slide(room, client, GREEN, "second.png")
    third = await _slide(room, client, BLUE, "third.png")
    cache = await client.call("getSlideShowCache")
    assert cache["currentlyCachingImage"] == {"name": "big.png", "fileId": big}
    assert [c["fileId"] for c in cache["imagesQueueForCaching"]] == [second, third]
    assert cache["isImagesCachingRunning"] is True

    assert (await client.call("removeImageFromCachingQueue", fileId=third))["result"] is True
    dropped = await client.wait_event("imageRemovedFromCachingQueue")
    assert (dropped["fileId"], dropped["name"]) == (third, "third.png")
    again = await client.call("removeImageFromCachingQueue", fileId=third)
    assert again["result"] is False and "not waiting" in again["error"]
    await client.wait_event("slideCached", lambda e: e["fileId"] == big)
    await client.wait_event("slideCached", lambda e: e["fileId"] == second)
    cache = await client.call("getSlideShowCache")
    assert [c["fileId"] for c in cache["cachedSlides"]] == [big, second]
    assert cache["imagesQueueForCaching"] == [] and cache["currentlyCachingImage"] == {}
    assert _order(await client.call("getSlideShowInfo")) == [big, second, third]  # still a slide

    # Showing the unprepared slide prepares it on demand.
    assert (await client.call("startSlideShow", startingIdx=2))["result"] is True
    assert (await client.wait_event("slideUploaded"))["idx"] == 2
    await client.wait_event("slideCached", lambda e: e["fileId"] == third)
    assert (await client.call("stopSlideShow"))["result"] is True

    # stopCachingAllImages empties the queue and abandons the picture in progress.
    big2 = await _upload(room, client, png_bytes(5000, 4000, colour=BLUE), "big2.png")
    assert (await client.call("addSlide", fileId=big2))["result"] is True
    await client.wait_event("slideCachingStarted", lambda e: e["fileId"] == big2)
    queued = await _slide(room, client, GREEN, "queued.png")
    assert (await client.call("stopCachingAllImages"))["result"] is True
    await client.wait_event("allSlidesCachingStopped")
    cache = await client.call("getSlideShowCache")
    assert cache["imagesQueueForCaching"] == [] and cache["currentlyCachingImage"] == {}
    assert cache["isImagesCachingRunning"] is False
    # The worker prepares one picture at a time: once a new one is done, the abandoned one is over.
    later = await _slide(room, client, RED, "later.png")
    await client.wait_event("slideCached", lambda e: e["fileId"] == later)
    cached = [c["fileId"] for c in (await client.call("getSlideShowCache"))["cachedSlides"]]
    assert cached == [big, second, third, later]
    assert big2 not in cached and queued not in cached
    assert sorted(p.name for p in (room.data_dir / "slides").iterdir()) == sorted(f"{f}.jpg" for f in cached)


async def test_slides_survive_a_restart(room_factory, connect):
    room = room_factory()
    client = await connect(room)
    first = await _slide(room, client, RED, "first.png")
    second = await _slide(room, client, GREEN, "second.png")
    await client.wait_event("slideCached", lambda e: e["fileId"] == second)
    assert (await client.call("setSlidePosition", fromIdx=1, toIdx=0))["result"] is True
    assert (await client.call("startSlideShow", title="kept?"))["result"] is True
    await client.close()
    room.stop()

    room.start()
    client = await connect(room)
    info = await client.call("getSlideShowInfo")
    assert _order(info) == [second, first] and [s["name"] for s in info["slides"]] == ["second.png", "first.png"]
    assert (info["available"], info["started"]) == (True, False)  # the show itself does not resume
    cache = await client.call("getSlideShowCache")
    assert [c["fileId"] for c in cache["cachedSlides"]] == [second, first]
    assert (await client.call("startSlideShow"))["result"] is True
    uploaded = await client.wait_event("slideUploaded")
    status, body, _ = await get(f"{uploaded['url']}?token={quote(client.http_token)}")
    assert status == 200 and _near(_picture(body).getpixel((160, 90)), GREEN)


def _pixel(page, x: int, y: int) -> tuple[int, int, int]:
    return Image.open(io.BytesIO(page.screenshot())).convert("RGB").getpixel((x, y))


def test_main_screen_shows_the_current_slide(room_factory, context, api):  # noqa: F811
    room = room_factory()
    admin = api(room)
    token = admin.client.http_token

    def add(colour, name: str) -> int:
        status, body, headers = admin.loop.run(upload(room.http_port, token, png_bytes(320, 180, colour), name))
        assert status == 200, body
        file_id = int(headers["FileId"])
        assert admin.call("addSlide", fileId=file_id)["result"] is True
        return file_id

    magenta, yellow = (230, 40, 150), (240, 220, 40)
    first, second = add(magenta, "one.png"), add(yellow, "two.png")
    screen = context.new_page()
    screen.goto(f"http://127.0.0.1:{room.http_port}/screen")
    expect(screen.locator("body")).to_have_attribute("data-ready", "1")
    expect(screen.locator("#slideshow")).to_be_hidden()
    centre, band = (640, 400), (640, 10)  # a 16:9 slide on 1280x800 leaves black bands above and below
    assert not _near(_pixel(screen, *centre), magenta)

    assert admin.call("startSlideShow", title="Screen test")["result"] is True
    expect(screen.locator("body")).to_have_attribute("data-slide", str(first))
    expect(screen.locator("#slideshow")).to_be_visible()
    assert _near(_pixel(screen, *centre), magenta), _pixel(screen, *centre)
    assert _near(_pixel(screen, *band), (0, 0, 0))

    assert admin.call("showNextSlide")["result"] is True
    expect(screen.locator("body")).to_have_attribute("data-slide", str(second))
    assert _near(_pixel(screen, *centre), yellow), _pixel(screen, *centre)

    # A screen opened while the show runs shows the current slide straight away.
    late = context.new_page()
    late.goto(f"http://127.0.0.1:{room.http_port}/screen")
    expect(late.locator("body")).to_have_attribute("data-slide", str(second))
    assert _near(_pixel(late, *centre), yellow)
    late.close()

    assert admin.call("stopSlideShow")["result"] is True
    expect(screen.locator("body")).to_have_attribute("data-slide", "")
    expect(screen.locator("#slideshow")).to_be_hidden()
    assert not _near(_pixel(screen, *centre), yellow)
    screen.close()


# --- the pure state model: any sequence of requests keeps it consistent ----------------------
INDEX = st.integers(-2, 7)
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(1, 6), st.sampled_from(["b 10.png", "B 2.png", "a.png", "x"])),
        st.tuples(st.just("remove"), INDEX),
        st.tuples(st.just("move"), INDEX, INDEX),
        st.tuples(st.just("sort")),
        st.tuples(st.just("start"), st.one_of(st.none(), st.text(max_size=3)), st.one_of(st.none(), INDEX)),
        st.tuples(st.just("stop")),
        st.tuples(st.just("show"), INDEX),
        st.tuples(st.sampled_from(["next", "prev", "first", "last", "clear"])),
    ),
    max_size=40,
)


def _apply(show: SlideShow, op: tuple) -> None:
    name, *args = op
    if name == "add":
        show.add(Slide(args[0], args[1]))
    elif name == "remove":
        show.remove(args[0])
    elif name == "move":
        show.move(args[0], args[1])
    elif name == "start":
        show.start(args[0], args[1])
    elif name == "show":
        show.show(args[0])
    elif name in ("next", "prev"):
        show.step(1 if name == "next" else -1)
    else:
        getattr(show, name)()


@settings(max_examples=300, deadline=None)
@given(OPERATIONS)
def test_slideshow_state_stays_consistent(operations):
    show = SlideShow()
    for op in operations:
        before = copy.deepcopy(show)
        shown = show.current_slide()
        try:
            _apply(show, op)
        except SlideError as exc:
            assert str(exc) and show == before, op  # a refused request changes nothing
            continue
        ids = [s.file_id for s in show.slides]
        assert len(ids) == len(set(ids))
        assert show.available == bool(ids)
        if show.started:
            assert 0 <= show.current < len(ids)
            if op[0] in ("sort", "move", "add"):
                assert show.current_slide() == shown  # reordering never changes what is on show
        else:
            assert show.current == 0 and show.title == ""


@given(
    st.lists(
        st.tuples(st.sampled_from(["enqueue", "first", "take", "done", "fail", "drop", "stop"]), st.integers(1, 4))
    )
)
def test_cache_queue_holds_each_picture_once(steps):
    cache = CacheQueue()
    for action, file_id in steps:
        slide = Slide(file_id, f"{file_id}.png")
        if action in ("enqueue", "first"):
            cache.enqueue(slide, first=action == "first")
        elif action == "take":
            cache.take()
        elif action in ("done", "fail") and cache.current is not None:
            cache.finished(cache.current, action == "done")
        elif action == "drop":
            cache.drop(file_id)
        elif action == "stop":
            cache.stop_all()
        waiting = [s.file_id for s in cache.queue] + ([cache.current.file_id] if cache.current else [])
        assert len(waiting) == len(set(waiting))
        assert not set(waiting) & set(cache.cached)
        report = cache.report(list(cache.cached.values()))
        assert report["isImagesCachingRunning"] == bool(waiting)


def test_prepared_slide_is_upright_flat_and_at_most_full_hd(tmp_path):
    transparent = tmp_path / "logo.png"
    Image.new("RGBA", (400, 200), (0, 0, 0, 0)).save(transparent)
    assert render_slide(transparent, tmp_path / "logo.jpg") == (400, 200)
    assert _near(Image.open(tmp_path / "logo.jpg").convert("RGB").getpixel((200, 100)), (255, 255, 255))

    sideways = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90° clockwise to view
    Image.new("RGB", (4000, 3000), GREEN).save(sideways, exif=exif)
    assert render_slide(sideways, tmp_path / "phone.out.jpg") == (810, 1080)

    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(NotAnImage, match="picture"):
        render_slide(tmp_path / "notes.txt", tmp_path / "notes.jpg")
    assert not (tmp_path / "notes.jpg").exists()
