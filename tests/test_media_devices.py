"""Devices against a real room: listing, choice, mute, hot-plug, sound tests, crop, app sounds."""

from __future__ import annotations

import asyncio
import time

from tests.support.media import self_frame

HARDWARE_FIELDS = {
    "audioCapturers",
    "currentAudioCapturerName",
    "currentAudioCapturerDescription",
    "currentAudioCapturerType",
    "audioRenderers",
    "currentAudioRendererName",
    "currentAudioRendererDescription",
    "currentAudioRendererType",
    "videoCapturers",
    "currentVideoCapturerName",
    "currentVideoCapturerDescription",
    "currentVideoCapturerType",
    "DSCaptureList",
}


async def test_get_hardware_lists_the_virtual_devices(room, connect):
    client = await connect(room)
    hw = await client.call("getHardware")
    assert set(hw) >= HARDWARE_FIELDS
    assert hw["currentVideoCapturerDescription"] == "virtual:test-pattern"
    for device in hw["videoCapturers"] + hw["audioCapturers"] + hw["audioRenderers"]:
        assert {"name", "description", "type"} <= set(device)
    assert {d["description"] for d in hw["audioCapturers"]} >= {"virtual:tone", "virtual:silence"}
    assert hw["audioRenderers"][0]["description"] == "virtual:null"


async def test_choosing_devices(room, connect):
    client = await connect(room)
    reply = await client.call("setAudioCapturer", name="meetroom silence", description="virtual:silence")
    assert reply["result"] is True
    event = await client.wait_event("hardwareChanged")
    assert event["currentAudioCapturerDescription"] == "virtual:silence"
    assert set(event) >= HARDWARE_FIELDS
    listed = (await client.call("getHardware"))["DSCaptureList"]
    assert {"id": 1, "name": "Slideshow"}.items() <= listed[0].items()
    assert event["DSCaptureList"] == listed, "hardwareChanged lists what can be shared as getHardware does"

    bad = await client.call("setAudioCapturer", name="Ghost mic", description="alsa:hw:9,9")
    assert bad["result"] is False and "no such device" in bad["error"]
    assert (await client.call("getHardware"))["currentAudioCapturerDescription"] == "virtual:silence"
    bad = await client.call("setAudioCapturer", name="none", description="none")
    assert bad["result"] is False

    assert (await client.call("setVideoCapturer", name="none", description="none"))["result"] is True
    event = await client.wait_event("hardwareChanged")
    assert event["currentVideoCapturerName"] == "none"
    frame = await self_frame(room.http_port, client.http_token)
    deadline = time.monotonic() + 5
    while frame.mean() > 60 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        frame = await self_frame(room.http_port, client.http_token)
    assert frame.mean() < 60, "without a camera self view is the placeholder"
    assert (await client.call("getPtzControls"))["zoom"]["support"] is False
    reply = await client.call("setVideoCapturer", name="meetroom test pattern", description="virtual:test-pattern")
    assert reply["result"] is True
    assert (await client.wait_event("hardwareChanged"))["currentVideoCapturerDescription"] == "virtual:test-pattern"

    assert (await client.call("setAudioRenderer", name="none", description="none"))["result"] is True
    assert (await client.wait_event("hardwareChanged"))["currentAudioRendererName"] == "none"

    assert (await client.call("setAppSndDev", name="meetroom null speaker", description="virtual:null"))["result"]
    app_sound = await client.call("getAppSndDev")
    assert (app_sound["name"], app_sound["description"]) == ("meetroom null speaker", "virtual:null")


async def test_mute_states(room, connect):
    client = await connect(room)
    for setter, getter, event in (
        ("setMicMute", "getMicMute", "audioCapturerMute"),
        ("setAudioMute", "getAudioMute", "audioRendererMute"),
        ("setVideoMute", "getVideoMute", "videoCapturerMute"),
    ):
        assert (await client.call(getter))["mute"] is False
        assert (await client.call(setter, mute=True))["result"] is True
        assert (await client.wait_event(event))["mute"] is True
        assert (await client.call(getter))["mute"] is True
        bad = await client.call(setter, mute="yes")
        assert bad["result"] is False
        assert (await client.call(getter))["mute"] is True
        await client.call(setter, mute=False)
        assert (await client.wait_event(event))["mute"] is False


async def test_mute_and_choice_survive_a_restart(room_factory, connect):
    room = room_factory()
    client = await connect(room)
    await client.call("setMicMute", mute=True)
    await client.call("setAudioCapturer", name="meetroom silence", description="virtual:silence")
    await client.close()
    room.stop()
    room.start()
    client = await connect(room)
    assert (await client.call("getMicMute"))["mute"] is True
    assert (await client.call("getHardware"))["currentAudioCapturerDescription"] == "virtual:silence"


async def test_hot_plug_raises_hardware_changed(room_factory, connect, tmp_path, monkeypatch):
    devroot = tmp_path / "devroot"
    (devroot / "proc/asound").mkdir(parents=True)
    monkeypatch.setenv("MEETROOM_DEVICE_ROOT", str(devroot))
    room = room_factory()
    client = await connect(room)
    assert len((await client.call("getHardware"))["videoCapturers"]) == 1

    node = devroot / "sys/class/video4linux/video0"
    node.mkdir(parents=True)
    (node / "index").write_text("0\n")
    (node / "name").write_text("USB Conference Cam\n")
    (devroot / "proc/asound/pcm").write_text("01-00: USB Audio : USB Speakerphone : playback 1 : capture 1\n")
    event = await client.wait_event("hardwareChanged", timeout=10)
    cameras = {d["description"]: d["name"] for d in event["videoCapturers"]}
    assert cameras["v4l2:/dev/video0"] == "USB Conference Cam"
    assert "alsa:hw:1,0" in {d["description"] for d in event["audioCapturers"]}
    assert "alsa:hw:1,0" in {d["description"] for d in event["audioRenderers"]}

    # choosing the camera works; as its device node does not really exist, self view says so
    reply = await client.call("setVideoCapturer", name="USB Conference Cam", description="v4l2:/dev/video0")
    assert reply["result"] is True
    assert (await client.wait_event("hardwareChanged"))["currentVideoCapturerName"] == "USB Conference Cam"
    frame = await self_frame(room.http_port, client.http_token)
    deadline = time.monotonic() + 5
    while frame.mean() > 60 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        frame = await self_frame(room.http_port, client.http_token)
    assert frame.mean() < 60

    # unplugged: the room falls back to the test pattern and says so
    (node / "name").unlink()
    (node / "index").unlink()
    node.rmdir()
    event = await client.wait_event("hardwareChanged", lambda e: len(e["videoCapturers"]) == 1, timeout=10)
    assert event["currentVideoCapturerDescription"] == "virtual:test-pattern"


async def test_microphone_level_test_reads_the_samples(room, connect):
    client = await connect(room)
    assert (await client.call("testAudioCapturerStart"))["result"] is True
    assert (await client.wait_event("testAudioCapturerStateChanged"))["started"] is True
    assert (await client.wait_event("appStateChanged"))["audioCaptureTest"] is True
    level = await client.wait_event("testAudioCapturerLevel")
    assert 0.15 < level["lvl"] < 0.2, level  # a sine at 0.25 of full scale has RMS 0.177
    assert (await client.call("testAudioCapturerStart"))["result"] is False
    await client.call("setMicMute", mute=True)
    await client.wait_event("testAudioCapturerLevel", lambda e: e["lvl"] == 0.0)
    await client.call("setMicMute", mute=False)
    await client.call("setAudioCapturer", name="meetroom silence", description="virtual:silence")
    assert (await client.call("testAudioCapturerStop"))["result"] is True
    assert (await client.wait_event("testAudioCapturerStateChanged"))["started"] is False
    assert (await client.call("testAudioCapturerStop"))["result"] is False

    client.clear_events()
    assert (await client.call("testAudioCapturerStart"))["result"] is True
    level = await client.wait_event("testAudioCapturerLevel")
    assert level["lvl"] == 0.0, "the silent microphone reads zero"
    await client.call("testAudioCapturerStop")


async def test_audio_delay_detector_finds_no_echo_through_the_null_speaker(room, connect):
    client = await connect(room)
    assert (await client.call("getAudioDelayDetectorInfo"))["state"] == "idle"
    assert (await client.call("startAudioDelayDetectorTest"))["result"] is True
    assert (await client.wait_event("audioDelayDetectorTestStateChanged"))["state"] == 1
    assert (await client.call("getAudioDelayDetectorInfo"))["state"] == "running"
    done = await client.wait_event("audioDelayDetectorTestStateChanged", timeout=10)
    assert (done["state"], done["delay"]) == (2, -1)
    assert (await client.call("getAudioDelayDetectorInfo"))["state"] == "finished"
    assert (await client.call("stopAudioDelayDetectorTest"))["result"] is False


async def test_crop_mode(room, connect):
    client = await connect(room)
    assert (await client.call("getCrop"))["enabled"] is False
    assert (await client.call("setCrop", enabled=True))["result"] is True
    assert (await client.wait_event("cropChanged"))["cropImageStatus"] is True
    assert (await client.call("setCrop", enable=False))["result"] is True  # the C++ client's spelling
    assert (await client.wait_event("cropChanged"))["cropImageStatus"] is False
    assert (await client.call("setCrop"))["result"] is False
