"""Pan/tilt/zoom and camera presets against a real room."""

from __future__ import annotations

import asyncio

AXIS_FIELDS = {"support", "isContinuousType", "minValue", "maxValue", "currentValue", "defValue", "step", "inverted"}


async def test_ptz_controls_and_continuous_motion(room, connect):
    client = await connect(room)
    controls = await client.call("getPtzControls")
    for axis in ("pan", "tilt", "zoom"):
        assert set(controls[axis]) >= AXIS_FIELDS and controls[axis]["support"] is True
    assert controls["zoom"]["currentValue"] == 100
    assert controls["videoCapturerDescription"] == "virtual:test-pattern"

    assert (await client.call("ptzZoomInc"))["result"] is True
    first = await client.wait_event("ptzControlsChanged")
    assert first["zoom"]["currentValue"] == 120
    second = await client.wait_event("ptzControlsChanged")  # it keeps zooming until ptzStop
    assert second["zoom"]["currentValue"] == 140
    assert (await client.call("ptzStop"))["result"] is True
    stopped = (await client.call("getPtzControls"))["zoom"]["currentValue"]
    await asyncio.sleep(0.4)  # longer than two motion steps
    assert (await client.call("getPtzControls"))["zoom"]["currentValue"] == stopped

    await client.call("ptzLeft")
    assert await client.wait_event("ptzControlsChanged", lambda e: e["pan"]["currentValue"] < 0)
    await client.call("ptzUp")  # a new direction replaces the running motion
    assert await client.wait_event("ptzControlsChanged", lambda e: e["tilt"]["currentValue"] > 0)
    await client.call("ptzStop")

    bad = await client.call("setZoomPos", pos=1000)
    assert bad["result"] is False and "between" in bad["error"]
    assert (await client.call("setTiltPos", pos=-50))["result"] is True
    assert await client.wait_event("ptzControlsChanged", lambda e: e["tilt"]["currentValue"] == -50)
    assert (await client.call("setPtzDefaults"))["result"] is True
    reset = await client.wait_event("ptzControlsChanged", lambda e: e["tilt"]["currentValue"] == 0)
    assert (reset["pan"]["currentValue"], reset["zoom"]["currentValue"]) == (0, 100)


async def test_camera_presets(room, connect):
    client = await connect(room)
    await client.call("setZoomPos", pos=200)
    await client.call("setPanPos", pos=30)
    saved = await client.call("addPresetFromCurrentVideoCapturer")
    assert saved["result"] is True
    preset_id = saved["presetId"]
    assert saved["zoom"] == {"isPresent": True, "value": 200}
    added = await client.wait_event("videoCapturerPresetAdded")
    assert added["presetId"] == preset_id and added["videoCapturerName"] == "meetroom test pattern"

    await client.call("setPtzDefaults")
    assert (await client.call("applyVideoCapturerPreset", presetId=preset_id))["result"] is True
    applied = await client.wait_event("videoCapturerPresetApplied")
    assert applied["presetId"] == preset_id
    controls = await client.call("getPtzControls")
    assert (controls["zoom"]["currentValue"], controls["pan"]["currentValue"]) == (200, 30)

    explicit = await client.call(
        "addVideoCapturerPreset",
        videoCapturerName="meetroom test pattern",
        isMuted=False,
        comPort="",
        pan={"isPresent": False},
        tilt={"isPresent": True, "value": 40},
        zoom={"isPresent": True, "value": 300},
    )
    assert explicit["result"] is True
    other_id = explicit["presetId"]
    assert other_id != preset_id
    listing = (await client.call("getAllVideoCapturerPresets"))["presets"]
    assert [p["presetId"] for p in listing] == [preset_id, other_id]

    bad = await client.call("addVideoCapturerPreset", videoCapturerName="x", zoom={"isPresent": True, "value": 5})
    assert bad["result"] is False
    updated = await client.call(
        "updateVideoCapturerPreset", presetId=other_id, videoCapturerName="meetroom test pattern", isMuted=True
    )
    assert updated["result"] is True
    event = await client.wait_event("videoCapturerPresetUpdated")
    assert event["presetId"] == other_id and event["isMuted"] is True

    assert (await client.call("removeVideoCapturerPreset", presetId=preset_id))["result"] is True
    assert (await client.wait_event("videoCapturerPresetRemoved"))["presetId"] == preset_id
    assert (await client.call("applyVideoCapturerPreset", presetId=preset_id))["result"] is False
    assert [p["presetId"] for p in (await client.call("getAllVideoCapturerPresets"))["presets"]] == [other_id]
