"""Recording a call between two rooms: consent, the MP4 with both pictures and the sound, refusal, call end."""

from __future__ import annotations

import asyncio
import io
from urllib.parse import quote

import av
import numpy as np

from meetroom.media.recorder import HEIGHT, WIDTH
from tests.support.calls import connected_call, start_rooms, wait_state
from tests.support.media import difference, get, self_frame
from tests.support.prosody import prosody  # noqa: F401


def _tile(frame: np.ndarray, matrix: dict, peer: str) -> np.ndarray:
    """The part of a recorded frame where the layout puts `peer`'s picture (its 16:9 picture inside the slot)."""
    scale = min(WIDTH / matrix["mainWindowWidth"], HEIGHT / matrix["mainWindowHeight"])
    slot = next(p for p in matrix["participants"] if p["peerId"] == peer)
    left, top = round(slot["left"] * scale), round(slot["top"] * scale)
    width, height = round(slot["width"] * scale), round(slot["height"] * scale)
    shown_h = min(height, width * 9 // 16)
    top += (height - shown_h) // 2
    return frame[top + 4 : top + shown_h - 4, left + 4 : left + width - 4]


def _sound(data: bytes) -> tuple[float, float]:
    """Seconds of sound in an MP4 and the RMS level (0..1) of its second half."""
    with av.open(io.BytesIO(data)) as container:
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    return samples.size / 48000, float(np.sqrt(np.mean(samples[samples.size // 2 :] ** 2)))


async def _download(room, file_id: int) -> bytes:
    url = f"http://127.0.0.1:{room.proc.http_port}/files/{file_id}?token={quote(room.client.http_token)}"
    status, body, _ = await get(url)
    assert status == 200
    return body


async def _participants(room) -> list[dict]:
    return (await room.client.call("getConferenceParticipants"))["participants"]


async def _marks(room) -> list[tuple[bool, bool]]:
    """(recordingMe, recordingByMe) of each participant, the room itself first."""
    return [(p["recordingMe"], p["recordingByMe"]) for p in await _participants(room)]


async def test_record_a_call_with_consent(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    # B's camera looks different from A's: zoomed in on the centre target
    assert (await b.client.call("setZoomPos", pos=400))["result"] is True
    created = await connected_call(a, b)
    b_full = (await a.client.wait_event("newParticipantInConference", timeout=10))["peerId"]
    a_full = (await b.client.wait_event("newParticipantInConference", timeout=10))["peerId"]
    # the first recording's sound is B's tone only (A's microphone is muted): the received audio
    assert (await a.client.call("setMicMute", mute=True))["result"] is True
    not_yet = await a.client.call("stopRecording")
    assert not_yet["result"] is False and "not recording" in not_yet["error"]

    # A asks, B is asked and allows
    assert (await a.client.call("startRecording"))["result"] is True
    asked = await b.client.wait_event("recordRequest", timeout=5)
    assert asked == {**asked, "peerId": a_full, "confId": created["confId"]} and asked["peerDn"]
    assert (await b.client.call("allowRecord", peerId=a_full))["result"] is True
    reply = await b.client.wait_event("recordRequestReply")
    assert reply == {**reply, "peerId": a_full, "recordAllowed": True, "confId": created["confId"]}
    permission = await a.client.wait_event("recordPermissionReceived")
    assert permission["peerId"] == b_full and permission["recordAllowed"] is True
    await a.client.wait_event("appStateChanged", lambda e: e["recording"] is True)
    assert (await a.client.call("getAppState"))["recording"] is True
    status = await b.client.wait_event("userRecordingMeStatusChanged", timeout=5)
    assert status == {**status, "peerId": a_full, "status": True, "confId": created["confId"]}
    assert await _marks(a) == [(False, False), (False, True)]  # A (first) records B
    assert await _marks(b) == [(False, False), (True, False)]  # B (first) is recorded by A
    again = await a.client.call("startRecording")
    assert again["result"] is False and "already" in again["error"]

    await asyncio.sleep(2.0)
    matrix = await a.client.call("getVideoMatrix")
    a_self = await self_frame(a.proc.http_port, a.client.http_token)
    b_self = await self_frame(b.proc.http_port, b.client.http_token)
    stopped = await a.client.call("stopRecording")
    assert stopped["result"] is True and stopped["fileId"] > 0 and stopped["fileName"].endswith(".mp4")
    assert 1.8 <= stopped["duration"] <= 6
    assert (await a.client.wait_event("recordingStopped"))["fileId"] == stopped["fileId"]
    await a.client.wait_event("appStateChanged", lambda e: e["recording"] is False)
    status = await b.client.wait_event("userRecordingMeStatusChanged", timeout=5)
    assert status["status"] is False
    assert not any(p["recordingMe"] or p["recordingByMe"] for p in await _participants(a) + await _participants(b))
    files = (await a.client.call("getFileList"))["fileList"]
    assert {"fileId": stopped["fileId"], "fileName": stopped["fileName"]} in files

    # the file: H.264 pictures of the layout with both rooms' cameras, and AAC sound with B's tone
    data = await _download(a, stopped["fileId"])
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        assert (video.width, video.height) == (WIDTH, HEIGHT)
        assert container.streams.audio, "no audio stream"
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) >= 20
    last = frames[-1]
    for peer, own, other in ((b_full, b_self, a_self), ("#self:0", a_self, b_self)):
        tile = _tile(last, matrix, peer)
        close, far = difference(tile, own[4:-4, 4:-4]), difference(tile, other[4:-4, 4:-4])
        assert close < 20 and close * 2 < far, (peer, close, far)
    seconds, level = _sound(data)
    assert 1.5 <= seconds <= 6 and level > 0.1, (seconds, level)  # a 0.25 sine: RMS 0.18

    # a refusal: nothing is recorded
    assert (await a.client.call("startRecording"))["result"] is True
    await b.client.wait_event("recordRequest", timeout=5)
    assert (await b.client.call("denyRecord", peerId=a_full))["result"] is True
    assert (await b.client.wait_event("recordRequestReply"))["recordAllowed"] is False
    assert (await a.client.wait_event("recordPermissionReceived"))["recordAllowed"] is False
    assert (await a.client.call("getAppState"))["recording"] is False
    assert (await a.client.call("stopRecording"))["result"] is False
    nobody = await b.client.call("allowRecord", peerId=a_full)
    assert nobody["result"] is False

    # a room that allows every request; the end of the call saves the file. This time the sound is
    # A's own microphone only (B's is muted)
    assert (await b.client.call("setSettings", settings={"record": 0}))["result"] is True
    assert (await b.client.call("setMicMute", mute=True))["result"] is True
    assert (await a.client.call("setMicMute", mute=False))["result"] is True
    assert (await a.client.call("startRecording"))["result"] is True
    await a.client.wait_event("appStateChanged", lambda e: e["recording"] is True, timeout=5)
    assert b.client.pending_events("recordRequest") == []
    await asyncio.sleep(1.5)
    assert (await b.client.call("hangUp"))["result"] is True
    saved = await a.client.wait_event("recordingStopped", timeout=10)
    await wait_state(a.client, 3)
    assert (await a.client.call("getAppState"))["recording"] is False
    assert saved["fileId"] in {f["fileId"] for f in (await a.client.call("getFileList"))["fileList"]}
    data = await _download(a, saved["fileId"])
    with av.open(io.BytesIO(data)) as container:
        assert sum(1 for _ in container.decode(video=0)) >= 10
    seconds, level = _sound(data)
    assert seconds >= 1.0 and level > 0.1, (seconds, level)
