"""State, settings, system information, data containers, window and process control."""

from __future__ import annotations

from pathlib import Path

from meetroom.api import catalog


def as_dict(settings: list[dict]) -> dict:
    return {s["name"]: s["value"] for s in settings}


async def test_app_state_without_server_is_zero_with_every_field(room, connect):
    client = await connect(room)
    reply = await client.call("getAppState")
    assert reply["appState"] == 0 and reply["extStatus"] == 0 and reply["additionalStatus"] == ""
    assert reply["desktopSharing"] == {"running": False} and reply["broadcastPicture"] == {"running": False}
    assert reply["audioCaptureTest"] is False and reply["recording"] is False


async def test_settings_change_is_announced_to_every_session(room, connect):
    admin = await connect(room)
    user = await connect(room, role="user")
    assert as_dict((await admin.call("getSettings"))["settings"])["showTime"] is True
    assert (await admin.call("setSettings", settings={"showTime": False, "audioPlayLevel": 0.5}))["result"] is True
    for client in (admin, user):
        assert (await client.wait_event("settingsChanged", lambda e: e["name"] == "showTime"))["value"] is False
        assert (await client.wait_event("settingsChanged", lambda e: e["name"] == "audioPlayLevel"))["value"] == 0.5
    values = as_dict((await user.call("getSettings"))["settings"])
    assert values["showTime"] is False and values["audioPlayLevel"] == 0.5


async def test_bad_settings_change_nothing(room, connect):
    client = await connect(room)
    before = (await client.call("getSettings"))["settings"]
    for settings in (
        {"showTime": "no"},
        {"noSuchSetting": 1},
        {"showLogo": False, "cameraRemoteControlAccess": 7},  # one bad value: nothing applies
        {"audioPlayLevel": 1.5},
        {"audioCapturerLevel": 0.2},  # read-only while agcEnable is on
    ):
        reply = await client.call("setSettings", settings=settings)
        assert reply["result"] is False and reply["error"], settings
    assert (await client.call("getSettings"))["settings"] == before
    assert client.pending_events("settingsChanged") == []
    ok = await client.call("setSettings", settings={"agcEnable": False, "audioCapturerLevel": 0.2})
    assert ok["result"] is True


async def test_user_mode_cannot_change_security_settings(room, connect):
    user = await connect(room, role="user")
    reply = await user.call("setSettings", settings={"allowUnsecuredRemoteControl": True})
    assert reply["result"] is False and "administrator" in reply["error"]
    assert (await user.call("setSettings", settings={"showTime": False}))["result"] is True


async def test_system_info_and_monitors(room, connect):
    client = await connect(room)
    info = await client.call("getSystemInfo")
    assert info["authInfo"] == {"peerId": "", "peerDn": ""}
    assert info["productInfo"]["major"] == 0 and info["productInfo"]["minor"] == 1
    assert info["bitrateLimits"]["min"] < info["bitrateLimits"]["max"]
    monitors = await client.call("getMonitorsInfo")
    assert monitors["currentMonitor"] == 0
    assert monitors["monitors"][0]["geomMonitor"] == {"x": 0, "y": 0, "width": 1920, "height": 1080}
    license_type = await client.call("getLicenseType")
    assert license_type["value"] in (0, 1, 2)


async def test_window_state(room, connect):
    client = await connect(room)
    assert (await client.call("changeWindowState", windowState=1, stayOnTop=True))["result"] is True
    assert (await client.wait_event("windowStateChanged")) == {
        "method": "event",
        "event": "windowStateChanged",
        "windowState": 1,
        "stayOnTop": True,
    }
    assert (await client.call("changeWindowState", windowState=9))["result"] is False
    assert (await client.call("changeWindowState", stayOnTop="yes"))["result"] is False


async def test_data_containers(room, connect):
    client = await connect(room)
    assert (await client.call("saveData", containerName="c1", data="mid", flags="def"))["result"] is True
    assert (await client.wait_event("dataSaved"))["data"] == "mid"
    await client.call("saveData", containerName="c1", data="<", flags="beg")
    await client.call("saveData", containerName="c1", data=">", flags="ate")
    loaded = await client.call("loadData", containerName="c1")
    assert loaded["data"] == "<mid>" and loaded["containerName"] == "c1"
    assert (await client.call("getAllUserContainersNames"))["containersNames"] == ["c1"]
    assert (await client.call("saveData", containerName="c1", data="x", flags="zzz"))["result"] is False
    assert (await client.call("loadData", containerName="missing"))["result"] is False
    assert (await client.call("deleteData", containerName="c1"))["result"] is True
    assert (await client.wait_event("dataDeleted"))["containerName"] == "c1"
    assert (await client.call("getAllUserContainersNames"))["containersNames"] == []


async def test_power_commands_are_off_until_enabled(room_factory, connect, tmp_path):
    marker = tmp_path / "rebooted"
    room = room_factory("--reboot-command", f"touch {marker}", "--poweroff-command", "false")
    client = await connect(room)
    refused = await client.call("rebootSystem")
    assert refused["result"] is False and "systemPowerCommandsEnabled" in refused["error"]
    assert not marker.exists()
    await client.call("setSettings", settings={"systemPowerCommandsEnabled": True})
    assert (await client.call("rebootSystem"))["result"] is True
    assert marker.exists()
    failed = await client.call("shutdownSystem")
    assert failed["result"] is False and "status 1" in failed["error"]


async def test_admin_only_commands_refuse_user_mode(room, connect):
    user = await connect(room, role="user")
    admin_only = [name for name, info in catalog.commands().items() if info.admin_only]
    assert "shutdown" in admin_only and "clearTokens" in admin_only
    for name in admin_only:
        reply = await user.call(name)
        assert reply["result"] is False and "administrator rights" in reply["error"], name
    assert (await user.call("getAppState"))["result"] is True  # still connected, room still up


async def test_other_commands_are_open_to_user_mode(room, connect):
    """No command outside the access table refuses a user for lack of rights."""
    user = await connect(room, role="user")
    skip = {"auth", "setAuthParams", "setHttpServerSettings", "startHttpServer", "stopHttpServer"}
    for name, info in catalog.commands().items():
        if info.admin_only or name in skip:
            continue
        reply = await user.call(name)
        assert "administrator rights" not in reply.get("error", ""), name


async def test_shutdown_stops_cleanly_and_restart_keeps_everything(room_factory, connect, tmp_path):
    data_dir = tmp_path / "persist"
    room = room_factory(data_dir=data_dir)
    admin = await connect(room)
    await admin.call("setSettings", settings={"showTime": False, "language": "de", "audioPlayLevel": 0.25})
    await admin.call("saveData", containerName="kept", data="payload", flags="def")
    await admin.call("setHttpServerSettings", settings={"httpServerMaxPostFileSizeInBytes": 12345})
    await admin.call("setAuthParams", userType="admin", authType="password", password="restart-pw")
    assert (await admin.call("shutdown"))["result"] is True
    assert room.wait_exit(10) == 0
    assert "meetroom stopped" in room.text

    again = room_factory(data_dir=data_dir, name="again")
    client = await connect(again, pin="restart-pw")
    assert client.role == "admin"
    values = as_dict((await client.call("getSettings"))["settings"])
    assert values["showTime"] is False and values["language"] == "de" and values["audioPlayLevel"] == 0.25
    assert (await client.call("loadData", containerName="kept"))["data"] == "payload"
    http = {s["name"]: s["value"] for s in (await client.call("getHttpServerSettings"))["settings"]}
    assert http["httpServerMaxPostFileSizeInBytes"] == 12345
    assert Path(again.config_path).exists()
