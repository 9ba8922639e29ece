"""/frames/ against a real room: self view as JPEG, tokens, mute, zoom, rotation, modes, quality."""

from __future__ import annotations

import asyncio
import io
import time

import numpy as np
from PIL import Image

from tests.support.media import difference, frames_url, get, self_frame


async def frame_until(port: int, token: str, accept, timeout: float = 5.0) -> np.ndarray:
    """Poll self view until a frame satisfies `accept` (the pipeline applies changes a frame later)."""
    deadline = time.monotonic() + timeout
    while True:
        frame = await self_frame(port, token)
        if accept(frame) or time.monotonic() > deadline:
            return frame
        await asyncio.sleep(0.05)


def zoomed_crop(frame: np.ndarray, left: int, top: int, width: int, height: int) -> np.ndarray:
    crop = Image.fromarray(frame[top : top + height, left : left + width])
    return np.asarray(crop.resize((frame.shape[1], frame.shape[0]), Image.Resampling.BILINEAR))


async def test_self_view_is_a_jpeg_of_the_configured_size_that_changes(room, connect):
    client = await connect(room)
    first = await self_frame(room.http_port, client.http_token)
    assert first.shape == (720, 1280, 3)
    await asyncio.sleep(0.6)  # the sweeping bar and the clock move with time
    second = await self_frame(room.http_port, client.http_token)
    changed = np.mean(np.abs(first.astype(int) - second.astype(int)).max(axis=2) > 60)
    assert changed > 0.004, f"only {changed:.4%} of the pixels changed"
    # the picture is the test pattern: colourful bars, not a flat placeholder
    assert first[: 720 * 2 // 3].std() > 50


async def test_frames_refuse_bad_tokens_and_unknown_peers(room, connect):
    client = await connect(room)
    port = room.http_port
    status, body, _ = await get(frames_url(port, None))
    assert status == 401 and b"token" in body
    status, body, _ = await get(frames_url(port, "4*notatoken*1*AB"))
    assert status == 401 and b"token" in body
    status, body, _ = await get(frames_url(port, client.http_token, peer="nobody%40example.com"))
    assert status == 404
    status, body, _ = await get(f"http://127.0.0.1:{port}/frames/?token={client.http_token}")
    assert status == 400
    # a token stops working once the room clears its tokens
    assert (await client.call("clearTokens"))["result"] is True
    status, _, _ = await get(frames_url(port, client.http_token))
    assert status == 401


async def test_video_mute_sends_the_placeholder(room, connect):
    client = await connect(room)
    token = client.http_token
    live = await self_frame(room.http_port, token)
    reply = await client.call("setVideoMute", mute=True)
    assert reply["result"] is True
    event = await client.wait_event("videoCapturerMute")
    assert event["mute"] is True
    assert (await client.call("getVideoMute"))["mute"] is True
    muted = await frame_until(room.http_port, token, lambda f: f.mean() < 60)
    assert muted.mean() < 60, "a muted camera must send the dark placeholder"
    assert difference(live, muted) > 40
    await client.call("setVideoMute", mute=False)
    assert (await client.wait_event("videoCapturerMute"))["mute"] is False
    back = await frame_until(room.http_port, token, lambda f: f.mean() > 60)
    assert difference(live, back) < 15


async def test_zoom_and_pan_show_the_magnified_part_of_the_picture(room, connect):
    client = await connect(room)
    token = client.http_token
    whole = await self_frame(room.http_port, token)
    assert (await client.call("setZoomPos", pos=400))["result"] is True
    event = await client.wait_event("ptzControlsChanged")
    assert event["zoom"]["currentValue"] == 400
    centre = zoomed_crop(whole, 480, 270, 320, 180)
    zoomed = await frame_until(room.http_port, token, lambda f: difference(f, centre) < 15)
    assert difference(zoomed, centre) < 15, "zoom 400 must show the centre quarter of the picture"
    assert difference(zoomed, whole) > 30
    assert (await client.call("setPanPos", pos=100))["result"] is True
    right = zoomed_crop(whole, 960, 270, 320, 180)
    panned = await frame_until(room.http_port, token, lambda f: difference(f, right) < 15)
    assert difference(panned, right) < 15, "pan 100 must move the window to the right edge"
    assert (await client.call("setPtzDefaults"))["result"] is True
    restored = await frame_until(room.http_port, token, lambda f: difference(f, whole) < 15)
    assert difference(restored, whole) < 15


async def test_rotation_and_modes_change_the_frame_size(room, connect):
    client = await connect(room)
    token = client.http_token
    assert (await client.call("setOutputSelfVideoRotateAngle", rotateAngle=90))["result"] is True
    assert (await client.wait_event("outputSelfVideoRotateAngleChanged"))["rotateAngle"] == 90
    assert (await client.call("getOutputSelfVideoRotateAngle"))["outputSelfVideoRotateAngle"] == 90
    rotated = await frame_until(room.http_port, token, lambda f: f.shape[:2] == (1280, 720))
    assert rotated.shape[:2] == (1280, 720)
    bad = await client.call("setOutputSelfVideoRotateAngle", rotateAngle=45)
    assert bad["result"] is False and "rotateAngle" in bad["error"]
    await client.call("setOutputSelfVideoRotateAngle", rotateAngle=0)

    modes = await client.call("getModes")
    assert modes["activeMode"] == "1280x720@30" and "640x360@15" in modes["modeList"]
    reply = await client.call("setModes", pin=modes["pinList"][0], mode="640x360@15")
    assert reply["result"] is True
    done = await client.wait_event("deviceModesDone")
    assert done["activeMode"] == "640x360@15"
    info = await client.wait_event("updateCameraInfo")
    assert (info["cameraWidth"], info["cameraHeight"]) == (640, 360)
    small = await frame_until(room.http_port, token, lambda f: f.shape[:2] == (360, 640))
    assert small.shape[:2] == (360, 640)
    bad = await client.call("setModes", pin=modes["pinList"][0], mode="99x99@1")
    assert bad["result"] is False
    assert (await client.call("getModes"))["activeMode"] == "640x360@15"


async def test_best_quality_setting_gives_larger_jpegs(room, connect):
    client = await connect(room)

    async def sizes() -> float:
        found = []
        for _ in range(3):
            status, body, _ = await get(frames_url(room.http_port, client.http_token))
            assert status == 200
            found.append(len(body))
        return float(np.median(found))

    normal = await sizes()
    assert (await client.call("setSettings", settings={"bestQualityForHttpServerImages": True}))["result"] is True
    best = await sizes()
    assert best > normal * 1.2, (normal, best)


async def test_broadcast_selfie_state(room, connect):
    client = await connect(room)
    assert (await client.call("getBroadcastSelfie"))["enabled"] is False
    assert (await client.call("setBroadcastSelfie", enabled=True, fps=10))["result"] is True
    event = await client.wait_event("broadcastSelfieChanged")
    assert (event["enabled"], event["fps"]) == (True, 10)
    state = await client.call("getBroadcastSelfie")
    assert (state["enabled"], state["fps"]) == (True, 10)
    bad = await client.call("setBroadcastSelfie", enabled=True, fps=500)
    assert bad["result"] is False
    status, body, _ = await get(frames_url(room.http_port, client.http_token))
    assert status == 200 and Image.open(io.BytesIO(body)).size == (1280, 720)
    assert (await client.call("setBroadcastSelfie", enabled=False))["result"] is True
    assert (await client.wait_event("broadcastSelfieChanged"))["enabled"] is False


async def test_a_10_fps_viewer_does_not_slow_the_room(room, connect):
    client = await connect(room)
    await self_frame(room.http_port, client.http_token)  # the first frame loads the media stack: not measured
    stop = asyncio.Event()
    served = 0

    async def viewer() -> None:
        nonlocal served
        while not stop.is_set():
            status, _, _ = await get(frames_url(room.http_port, client.http_token))
            assert status == 200
            served += 1
            await asyncio.sleep(0.1)

    task = asyncio.create_task(viewer())
    worst = 0.0
    for _ in range(20):
        started = time.perf_counter()
        assert (await client.call("getAppState"))["result"] is True
        worst = max(worst, time.perf_counter() - started)
        await asyncio.sleep(0.05)
    stop.set()
    await task
    assert served >= 5
    assert worst < 0.25, f"a command took {worst * 1000:.0f} ms while a viewer polled frames"
