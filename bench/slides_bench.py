"""Slideshow costs on a real `meetroom run` process, each beside a baseline measured in the same run.

1. Preparing a slide: addSlide of a 12-megapixel camera JPEG until slideCached, against
   decoding the same file with Pillow in this process (the least any preparation must cost).
2. Fetching a slide: GET /slides/<id> (the prepared JPEG) against GET /files/<id> (the upload as
   it is), median of repeated requests, with the bytes each moves.
3. Flipping: showNextSlide/showPrevSlide until currentSlideIndexChanged has arrived and the new
   slide is fetched, against a plain getSlideShowInfo round trip on the same connection.

    python bench/slides_bench.py [repetitions]
"""

from __future__ import annotations

import asyncio
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import aiohttp
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from meetroom.client import RoomClient  # noqa: E402
from tests.support.process import RoomProcess  # noqa: E402

REPEAT = int(sys.argv[1]) if len(sys.argv) > 1 else 20
PHOTO = (4000, 3000)


def photo(seed: int) -> bytes:
    """A camera-like JPEG: smooth gradients with sensor noise, so it compresses like a photo."""
    rng = np.random.default_rng(seed)
    w, h = PHOTO
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([x / w * 255, y / h * 255, (x + y) / (w + h) * 255], axis=-1)
    noisy = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(noisy).save(out, "JPEG", quality=90)
    return out.getvalue()


async def upload(session: aiohttp.ClientSession, port: int, token: str, data: bytes, name: str) -> int:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name, content_type="image/jpeg")
    async with session.post(f"http://127.0.0.1:{port}/files/?token={quote(token)}", data=form) as resp:
        assert resp.status == 200, await resp.text()
        return int(resp.headers["FileId"])


async def fetch(session: aiohttp.ClientSession, url: str) -> tuple[float, int]:
    start = time.perf_counter()
    async with session.get(url) as resp:
        body = await resp.read()
        assert resp.status == 200, resp.status
    return time.perf_counter() - start, len(body)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


async def main() -> None:
    photos = [photo(seed) for seed in range(3)]
    with tempfile.TemporaryDirectory() as data_dir:
        room = RoomProcess(Path(data_dir)).start()
        port = room.http_port
        try:
            client = RoomClient("127.0.0.1", port)
            await client.connect()
            await client.auth()
            token = quote(client.http_token or "")
            async with aiohttp.ClientSession() as session:
                ids, prepare, decode = [], [], []
                for i, data in enumerate(photos):
                    file_id = await upload(session, port, client.http_token or "", data, f"photo{i}.jpg")
                    ids.append(file_id)
                    start = time.perf_counter()
                    assert (await client.call("addSlide", fileId=file_id))["result"] is True
                    await client.wait_event("slideCached", lambda e, f=file_id: e["fileId"] == f, 60)
                    prepare.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    Image.open(io.BytesIO(data)).convert("RGB")
                    decode.append(time.perf_counter() - start)
                mp = PHOTO[0] * PHOTO[1] / 1e6
                size = len(photos[0]) // 1024
                print(f"slides: {len(photos)} camera JPEGs {PHOTO[0]}x{PHOTO[1]} ({mp:.0f} MP, ~{size} kB)")
                print(f"prepare (addSlide -> slideCached), median   {ms(statistics.median(prepare))}")
                print(f"  baseline: Pillow decode only, in-process  {ms(statistics.median(decode))}")

                assert (await client.call("startSlideShow"))["result"] is True
                info = await client.call("getSlideShowInfo")
                urls = [f"{s['url']}?token={token}" for s in info["slides"]]
                slide_times, slide_bytes, file_times, file_bytes = [], 0, [], 0
                for _ in range(REPEAT):
                    t, slide_bytes = await fetch(session, urls[0])
                    slide_times.append(t)
                    t, file_bytes = await fetch(session, f"http://127.0.0.1:{port}/files/{ids[0]}?token={token}")
                    file_times.append(t)
                print(
                    f"GET /slides/<id> (prepared), median        {ms(statistics.median(slide_times))}"
                    f"  {slide_bytes // 1024} kB"
                )
                print(
                    f"  baseline: GET /files/<id> (original)      {ms(statistics.median(file_times))}"
                    f"  {file_bytes // 1024} kB"
                )

                flips, plain = [], []
                for i in range(REPEAT):
                    method = "showNextSlide" if i % 2 == 0 else "showPrevSlide"
                    target = 1 if i % 2 == 0 else 0
                    start = time.perf_counter()
                    assert (await client.call(method))["result"] is True
                    await client.wait_event("currentSlideIndexChanged", lambda e, t=target: e["currentIdx"] == t)
                    await fetch(session, urls[target])
                    flips.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    await client.call("getSlideShowInfo")
                    plain.append(time.perf_counter() - start)
                print(f"flip (command, event, fetch), median        {ms(statistics.median(flips))}")
                print(f"  baseline: getSlideShowInfo round trip     {ms(statistics.median(plain))}")
            await client.close()
        finally:
            room.stop()


if __name__ == "__main__":
    asyncio.run(main())
