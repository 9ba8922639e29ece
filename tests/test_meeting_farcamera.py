"""Far-end camera control in a real call between two rooms: ask, refuse, grant, steer, lose it."""

from __future__ import annotations

import asyncio

from meetroom.media.ptz import PtzPosition, apply
from tests.support.calls import connected_call, start_rooms
from tests.support.media import difference, self_frame
from tests.support.prosody import prosody  # noqa: F401


async def test_far_camera_control(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    await connected_call(a, b)
    b_full = (await a.client.wait_event("newParticipantInConference", timeout=10))["peerId"]
    a_full = (await b.client.wait_event("newParticipantInConference", timeout=10))["peerId"]
    sending = await a.client.wait_event("updateCameraInfo", lambda e: e["sendFormat"] == "VP8", timeout=5)
    assert (sending["sendWidth"], sending["sendHeight"], sending["sendFramerate"]) == (1280, 720, 3000)

    # nobody else can be asked, and a camera not given cannot be steered
    stranger = await a.client.call("requestParticipantCameraControl", callId="nobody@localhost/x")
    assert stranger["result"] is False and "not a participant" in stranger["error"]
    early = await a.client.call("remotelyControlledCameraPtzZoomInc", cameraOwnerCallId=b_full)
    assert early["result"] is False

    # ask, and be refused
    assert (await a.client.call("requestParticipantCameraControl", callId=b_full))["result"] is True
    assert (await a.client.wait_event("requestCameraControlSent"))["callId"] == b_full
    assert (await b.client.wait_event("requestCameraControlReceived"))["callId"] == a_full
    assert (await a.client.call("getOutgoingCameraControlRequests"))["callIdList"] == [b_full]
    assert (await b.client.call("getIncomingCameraControlRequests"))["callIdList"] == [a_full]
    twice = await a.client.call("requestParticipantCameraControl", callId=b_full)
    assert twice["result"] is False and "waiting" in twice["error"]
    assert (await b.client.call("rejectRequestCameraControl", callId=a_full))["result"] is True
    refused_b = await b.client.wait_event("incomingRequestCameraControlRejected")
    assert refused_b == {**refused_b, "callId": a_full, "reason": 0}
    refused_a = await a.client.wait_event("outgoingRequestCameraControlRejected")
    assert refused_a == {**refused_a, "callId": b_full, "reason": 0}
    assert (await a.client.call("getOutgoingCameraControlRequests"))["callIdList"] == []
    assert (await b.client.call("getIncomingCameraControlRequests"))["callIdList"] == []

    # ask again (by CallId this time), be granted, and zoom the far camera in
    assert (await a.client.call("requestParticipantCameraControl", callId=b.call_id))["result"] is True
    await b.client.wait_event("requestCameraControlReceived")
    assert (await b.client.call("acceptRequestCameraControl", callId=a_full))["result"] is True
    assert (await b.client.wait_event("incomingRequestCameraControlAccepted"))["callId"] == a_full
    assert (await a.client.wait_event("outgoingRequestCameraControlAccepted"))["callId"] == b_full
    assert (await a.client.call("getRemotelyControlledCameras"))["callIdList"] == [b_full]

    before = await self_frame(b.proc.http_port, b.client.http_token)
    for _ in range(5):  # 100 -> 200, one step of 20 per command
        reply = await a.client.call("remotelyControlledCameraPtzZoomInc", cameraOwnerCallId=b_full)
        assert reply["result"] is True, reply
    await b.client.wait_event("ptzControlsChanged", lambda e: e["zoom"]["currentValue"] == 200)
    assert (await b.client.call("getPtzControls"))["zoom"]["currentValue"] == 200
    await asyncio.sleep(0.3)  # the capture thread renders the next frame at the new position
    after = await self_frame(b.proc.http_port, b.client.http_token)
    position = PtzPosition()
    position.set("zoom", 200)
    expected = apply(before, position)
    assert difference(after, expected) < 12, difference(after, expected)
    assert difference(after, before) > 2 * difference(after, expected)
    assert (await a.client.call("remotelyControlledCameraPtzLeft", cameraOwnerCallId=b_full))["result"] is True
    await b.client.wait_event("ptzControlsChanged", lambda e: e["pan"]["currentValue"] == -10)

    # the room that refuses every ask takes back what it gave and refuses new asks at once
    assert (await b.client.call("setSettings", settings={"cameraRemoteControlAccess": 2}))["result"] is True
    lost = await a.client.wait_event("remotelyControlledCameraNotAvailableAnymore")
    assert lost["callId"] == b_full
    assert (await a.client.call("getRemotelyControlledCameras"))["callIdList"] == []
    b.client.clear_events()
    assert (await a.client.call("requestParticipantCameraControl", callId=b_full))["result"] is True
    refused_a = await a.client.wait_event("outgoingRequestCameraControlRejected")
    assert refused_a["reason"] == 0
    assert b.client.pending_events("requestCameraControlReceived") == []

    # granting every ask: control at once; the call's end takes it away
    assert (await b.client.call("setSettings", settings={"cameraRemoteControlAccess": 0}))["result"] is True
    assert (await a.client.call("requestParticipantCameraControl", callId=b_full))["result"] is True
    assert (await a.client.wait_event("outgoingRequestCameraControlAccepted"))["callId"] == b_full
    assert (await a.client.call("hangUp"))["result"] is True
    lost = await a.client.wait_event("remotelyControlledCameraNotAvailableAnymore", timeout=10)
    assert lost["callId"] == b_full
    assert (await a.client.call("getRemotelyControlledCameras"))["callIdList"] == []
    await a.client.wait_event("updateCameraInfo", lambda e: e["sendFormat"] == "None", timeout=5)
    gone = await a.client.call("remotelyControlledCameraPtzUp", cameraOwnerCallId=b_full)
    assert gone["result"] is False
