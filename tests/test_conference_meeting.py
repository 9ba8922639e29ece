"""In-meeting features for conference participants: far camera, DTMF and recording with three rooms.

The participants of a conference reach far-end camera control, toneDial and recording through
the same directory as a call's peer (calls/conference/meetingpeers.py): A (the owner) steers C's
camera, dials tones to B, and records the conference; the MP4 shows B's and C's own pictures.
"""

from __future__ import annotations

import asyncio
import io

import av

from meetroom.media.ptz import PtzPosition, apply
from meetroom.media.recorder import HEIGHT, WIDTH
from tests.support.calls import remote_frame, start_rooms
from tests.support.media import difference, self_frame
from tests.support.prosody import prosody  # noqa: F401
from tests.test_conference_e2e import _conference
from tests.test_meeting_recording import _download, _tile


async def test_camera_control_tones_and_recording_in_a_conference(prosody, room_factory, connect):  # noqa: F811
    a, b, c = await start_rooms(prosody, room_factory, connect, 3)
    conf_id, _, fulls = await _conference(a, b, c)
    a_full, b_full, c_full = fulls[a.name], fulls[b.name], fulls[c.name]
    for room, others in ((a, (b, c)), (b, (a, c)), (c, (a, b))):
        for other in others:
            await remote_frame(room, fulls[other.name], timeout=15)  # every leg carries pictures

    # far camera: a participant that is neither owner nor moderator may not ask; the owner may
    refused = await b.client.call("requestParticipantCameraControl", callId=c_full)
    assert refused["result"] is False and "owner or a moderator" in refused["error"], refused
    assert (await a.client.call("requestParticipantCameraControl", callId=c_full))["result"] is True
    assert (await a.client.wait_event("requestCameraControlSent", timeout=5))["callId"] == c_full
    assert (await c.client.wait_event("requestCameraControlReceived", timeout=5))["callId"] == a_full
    assert (await c.client.call("acceptRequestCameraControl", callId=a_full))["result"] is True
    assert (await a.client.wait_event("outgoingRequestCameraControlAccepted", timeout=5))["callId"] == c_full
    before = await self_frame(c.proc.http_port, c.client.http_token)
    for _ in range(5):  # 100 -> 200
        reply = await a.client.call("remotelyControlledCameraPtzZoomInc", cameraOwnerCallId=c_full)
        assert reply["result"] is True, reply
    await c.client.wait_event("ptzControlsChanged", lambda e: e["zoom"]["currentValue"] == 200, timeout=5)
    await asyncio.sleep(0.3)  # the capture thread renders the next frame at the new position
    after = await self_frame(c.proc.http_port, c.client.http_token)
    position = PtzPosition()
    position.set("zoom", 200)
    expected = apply(before, position)
    assert difference(after, expected) < 12, difference(after, expected)
    assert difference(after, before) > 2 * difference(after, expected)

    # DTMF to one participant: B hears the symbols in order, from A, in this conference; C hears none
    for digit in "19#":
        assert (await a.client.call("toneDial", callId=b_full, symbol=digit))["result"] is True
    got = [await b.client.wait_event("toneDial", timeout=5) for _ in range(3)]
    assert "".join(e["symbol"] for e in got) == "19#"
    assert {(e["callId"], e["confId"]) for e in got} == {(a_full, conf_id)}
    assert not c.client.pending_events("toneDial")

    # recording the conference: both others are asked, allow, and appear in the file
    assert (await a.client.call("startRecording"))["result"] is True
    for room in (b, c):
        asked = await room.client.wait_event("recordRequest", timeout=5)
        assert (asked["peerId"], asked["confId"]) == (a_full, conf_id)
        assert (await room.client.call("allowRecord", peerId=a_full))["result"] is True
    await a.client.wait_event("appStateChanged", lambda e: e["recording"] is True, timeout=5)
    listed = (await a.client.call("getConferenceParticipants"))["participants"]
    assert {p["peerId"] for p in listed if p["recordingByMe"]} == {b_full, c_full}
    await c.client.wait_event("userRecordingMeStatusChanged", lambda e: e["status"] is True, timeout=5)
    listed = (await c.client.call("getConferenceParticipants"))["participants"]
    assert [p["peerId"] for p in listed if p["recordingMe"]] == [a_full]
    await asyncio.sleep(2.0)
    matrix = await a.client.call("getVideoMatrix")
    selves = {
        b_full: await self_frame(b.proc.http_port, b.client.http_token),
        c_full: await self_frame(c.proc.http_port, c.client.http_token),
    }
    stopped = await a.client.call("stopRecording")
    assert stopped["result"] is True and stopped["fileId"] > 0, stopped
    data = await _download(a, stopped["fileId"])
    with av.open(io.BytesIO(data)) as container:
        assert (container.streams.video[0].width, container.streams.video[0].height) == (WIDTH, HEIGHT)
        assert container.streams.audio, "no audio stream"
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) >= 20
    for peer, own in selves.items():
        other = selves[c_full if peer == b_full else b_full]
        tile = _tile(frames[-1], matrix, peer)
        close, far = difference(tile, own[4:-4, 4:-4]), difference(tile, other[4:-4, 4:-4])
        assert close < 20 and close * 2 < far, (peer, close, far)
