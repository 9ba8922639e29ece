"""Virtual background with a real person-segmentation model, on a real photo of a person played as a camera.

scikit-image's astronaut photo is the camera (a file at the /dev node of a device tree, as
MEETROOM_DEVICE_ROOT allows); with an uploaded picture set, the pixels well outside the person
are the picture's and the face stays the camera's; the default background is the camera blurred.
"""

from __future__ import annotations

import asyncio
import io
import time

import numpy as np
import pytest
from PIL import Image

from meetroom.media.background import composite
from tests.support.media import png_bytes, self_frame, small, upload

skimage_data = pytest.importorskip("skimage.data")
pytest.importorskip("onnxruntime")

GREEN = (20, 200, 40)
# regions of the 1280x720 astronaut (stretched from 512x512): sky above her shoulder, and her face
OUTSIDE = (slice(20, 120), slice(1000, 1260))
FACE = (slice(150, 280), slice(480, 640))


def test_composite_keeps_the_person_and_takes_the_background():
    person = np.full((720, 1280, 3), 200, np.uint8)
    back = np.zeros_like(person)
    mask = np.zeros((144, 256), np.float32)
    mask[:, :128] = 1.0
    out = composite(person, back, mask)
    assert out[360, 100].tolist() == [200, 200, 200] and out[360, 1200].tolist() == [0, 0, 0]


async def _frame_when(room, client, check, timeout: float = 10.0) -> np.ndarray:
    """Self view once `check(frame)` holds (the capture thread applies a change with its next frame)."""
    deadline = time.monotonic() + timeout
    while True:
        frame = await self_frame(room.http_port, client.http_token)
        if check(frame) or time.monotonic() > deadline:
            return frame
        await asyncio.sleep(0.1)


def _mean(frame: np.ndarray, region: tuple[slice, slice]) -> np.ndarray:
    return frame[region].reshape(-1, 3).mean(axis=0)


async def test_replace_background_on_the_astronaut(room_factory, connect, tmp_path, monkeypatch):
    devroot = tmp_path / "devroot"
    node = devroot / "sys/class/video4linux/video0"
    node.mkdir(parents=True)
    (node / "index").write_text("0\n")
    (node / "name").write_text("Astronaut camera\n")
    (devroot / "dev").mkdir()
    buffer = io.BytesIO()
    Image.fromarray(skimage_data.astronaut()).save(buffer, "PNG")
    (devroot / "dev/video0").write_bytes(buffer.getvalue())
    monkeypatch.setenv("MEETROOM_DEVICE_ROOT", str(devroot))
    room = room_factory()
    client = await connect(room)
    reply = await client.call("setVideoCapturer", name="Astronaut camera", description="v4l2:/dev/video0")
    assert reply["result"] is True
    plain = await _frame_when(room, client, lambda f: _mean(f, FACE)[0] > 120)  # skin, not the test pattern
    expected = np.asarray(Image.fromarray(skimage_data.astronaut()).resize((1280, 720)))
    assert np.abs(small(plain) - small(expected)).mean() < 8

    status, _, headers = await upload(room.http_port, client.http_token, png_bytes(640, 360, GREEN), "green.png")
    assert status == 200
    file_id = int(headers["FileId"])
    bad = await client.call("setReplaceBackground", enabled=True, fileId=999999)
    assert bad["result"] is False and "no uploaded file" in bad["error"]

    assert (await client.call("setReplaceBackground", enabled=True, fileId=file_id))["result"] is True
    replaced = await _frame_when(room, client, lambda f: np.abs(_mean(f, OUTSIDE) - GREEN).max() < 25)
    assert np.abs(_mean(replaced, OUTSIDE) - GREEN).max() < 25, _mean(replaced, OUTSIDE)
    assert np.abs(_mean(replaced, FACE) - _mean(plain, FACE)).max() < 25  # the face is kept
    in_use = await client.call("deleteFileTransferFile", fileId=file_id)
    assert in_use["result"] is False and "virtual background" in in_use["error"]

    # without a picture: the default background, the camera blurred (blurChanged)
    assert (await client.call("setReplaceBackground", enabled=True))["result"] is True
    await client.wait_event("blurChanged")
    blurry = await _frame_when(room, client, lambda f: np.abs(_mean(f, OUTSIDE) - GREEN).max() > 60)
    sky = blurry[OUTSIDE].astype(np.float64)
    assert np.abs(np.diff(sky, axis=1)).mean() < np.abs(np.diff(plain[OUTSIDE].astype(np.float64), axis=1)).mean()

    assert (await client.call("setReplaceBackground", enabled=False))["result"] is True
    await client.wait_event("blurChanged")
    back = await _frame_when(room, client, lambda f: np.abs(small(f) - small(plain)).mean() < 3)
    assert np.abs(small(back) - small(plain)).mean() < 3
