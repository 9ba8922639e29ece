"""The services on their own, built with small real collaborators and a recording event sink.

No room process, no XMPP server: each service gets a temporary SQLite store, the settings and
app state it needs, and a list that records what it announces. The assertions pin the exact
notification names, fields and order the API clients see.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from meetroom.api.catalog import missing_fields
from meetroom.api.envelope import notification
from meetroom.calls.causes import Record
from meetroom.calls.history import CallHistory
from meetroom.core.appstate import AppState, AppStateMachine
from meetroom.core.containers import ContainerError, DataContainers
from meetroom.core.errors import DomainError
from meetroom.core.settings import Settings
from meetroom.core.window import Window, WindowError
from meetroom.ids import IdError
from meetroom.media import devices as dev
from meetroom.media.errors import MediaError
from meetroom.media.manager import Media
from meetroom.media.presets import CameraPresets, PresetError
from meetroom.net.addressbook import AddressBook
from meetroom.net.errors import BadPeerId, NetworkError, NotConnected
from meetroom.net.service import DEFAULT_PORT, NetworkService
from meetroom.net.xmpp import ChatMessage, PresenceInfo, RosterItem
from meetroom.store.db import Store


class Recorder:
    """An event sink that keeps (event, fields, admin_only) and checks the spec's fields."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any], bool]] = []
        self.problems: list[str] = []

    def publish(self, event: str, fields: dict[str, Any] | None = None, *, admin_only: bool = False) -> None:
        fields = dict(fields or {})
        missing = missing_fields(notification(event, fields))
        if missing:
            self.problems.append(f"{event}: missing {missing}")
        self.events.append((event, fields, admin_only))

    def names(self) -> list[str]:
        return [name for name, _, _ in self.events]

    def take(self) -> list[tuple[str, dict[str, Any], bool]]:
        taken, self.events = self.events, []
        return taken


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = Store(tmp_path / "meetroom.sqlite3")
    yield db
    db.close()


@pytest.fixture
def events() -> Iterator[Recorder]:
    recorder = Recorder()
    yield recorder
    assert recorder.problems == [], recorder.problems


@pytest.fixture
async def media(store: Store, events: Recorder) -> AsyncIterator[Media]:
    service = Media(store, Settings(store), events)
    yield service
    await service.close()


@pytest.fixture
async def net(store: Store, events: Recorder, tmp_path: Path) -> AsyncIterator[tuple[NetworkService, AppStateMachine]]:
    appstate = AppStateMachine(lambda: 0)
    service = NetworkService(Settings(store), store, appstate, events, tmp_path / "network.key")
    yield service, appstate
    await service.close()


# --- Media -------------------------------------------------------------------------------------
async def test_media_announces_mutes_once_per_change(media: Media, events: Recorder) -> None:
    assert media.set_mute("mic", True)
    assert not media.set_mute("mic", True)  # unchanged: nothing to announce
    assert media.set_mute("video", True)
    assert media.set_mute("speaker", True)
    assert events.take() == [
        ("audioCapturerMute", {"mute": True}, False),
        ("videoCapturerMute", {"mute": True}, False),
        ("audioRendererMute", {"mute": True}, False),
    ]


async def test_media_camera_choice_announces_hardware_modes_and_ptz(media: Media, events: Recorder) -> None:
    assert media.choose("camera", dev.NONE, dev.NONE)
    assert events.names() == ["hardwareChanged", "deviceModesDone", "ptzControlsChanged"]
    hardware = events.events[0][1]
    assert hardware["currentVideoCapturerName"] == dev.NONE
    assert events.events[1][1]["supportPTZ"] is False
    events.take()
    assert not media.choose("camera", dev.NONE, dev.NONE)
    assert events.take() == []
    with pytest.raises(MediaError, match="no camera is selected") as refused:
        media.set_mode("Pin", "1280x720@30")
    assert isinstance(refused.value, DomainError) and isinstance(refused.value, ValueError)


async def test_media_select_refuses_unknown_and_none_microphone(media: Media, events: Recorder) -> None:
    with pytest.raises(MediaError, match="no such device"):
        media.choose("speaker", "nope", "nope")
    with pytest.raises(MediaError, match="cannot be set to 'none'"):
        media.choose("mic", dev.NONE, dev.NONE)
    assert events.take() == []
    assert not media.choose("appsnd", dev.VIRTUAL_SPEAKER, dev.VIRTUAL_SPEAKER)  # already the one
    assert events.take() == []


async def test_media_rotation_crop_and_modes_announce_their_fields(media: Media, events: Recorder) -> None:
    assert media.set_rotation(90)
    assert not media.set_rotation(90)
    with pytest.raises(MediaError, match="rotateAngle must be one of"):
        media.set_rotation(45)
    assert media.set_crop(True)
    modes = media.modes()
    media.set_mode(modes["pinList"][0], modes["modeList"][-1])
    got = events.take()
    assert got[:2] == [
        ("outputSelfVideoRotateAngleChanged", {"rotateAngle": 90}, False),
        ("cropChanged", {"cropImageStatus": True}, False),
    ]
    assert [name for name, _, _ in got[2:]] == ["deviceModesDone", "updateCameraInfo"]
    assert got[2][1]["activeMode"] == modes["modeList"][-1]
    assert got[3][1] == media.camera_info()


async def test_media_keeps_choices_in_the_store(store: Store, media: Media, events: Recorder) -> None:
    media.set_mute("video", True)
    media.set_rotation(180)
    again = Media(store, Settings(store), events)
    try:
        assert again.mutes["video"] is True and again.config.rotate == 180
    finally:
        await again.close()


async def test_media_ptz_positions_are_checked_and_announced(media: Media, events: Recorder) -> None:
    with pytest.raises(MediaError, match="pos must be between"):
        await media.set_ptz("zoom", 10**6)
    await media.set_ptz("zoom", 200)
    await media.set_ptz("zoom", 200)  # no move, no notification
    await media.reset_ptz()
    assert events.names() == ["ptzControlsChanged", "ptzControlsChanged"]
    assert events.events[0][1]["videoCapturerDescription"] == dev.VIRTUAL_CAMERA


async def test_camera_presets_are_numbered_stored_and_applied(store: Store, media: Media, events: Recorder) -> None:
    presets = CameraPresets(store, media, events)
    first = presets.add(presets.from_current(""))
    assert first["presetId"] == "1" and "previewData" not in first
    await media.set_ptz("pan", 50)
    events.take()
    await presets.apply("1")
    assert events.names() == ["ptzControlsChanged", "videoCapturerPresetApplied"]
    assert media.position.values["pan"] != 50
    events.take()
    presets.remove("1")
    assert events.take() == [("videoCapturerPresetRemoved", {"presetId": "1"}, False)]
    with pytest.raises(PresetError, match="no camera preset with id '1'"):
        presets.get(1)
    assert presets.all() == []


# --- small services ----------------------------------------------------------------------------
def test_data_containers_announce_saves_and_deletions(store: Store, events: Recorder) -> None:
    data = DataContainers(store, events)
    data.save("c", "b", "def")
    data.save("c", "a", "beg")
    data.save("c", "c", "ate")
    assert data.load("c") == "abc"
    data.delete("c")
    assert events.take() == [
        ("dataSaved", {"containerName": "c", "data": "b", "flag": "def"}, False),
        ("dataSaved", {"containerName": "c", "data": "ab", "flag": "beg"}, False),
        ("dataSaved", {"containerName": "c", "data": "abc", "flag": "ate"}, False),
        ("dataDeleted", {"containerName": "c"}, False),
    ]
    with pytest.raises(ContainerError, match="no container named 'c'"):
        data.delete("c")
    with pytest.raises(ContainerError, match="flags must be"):
        data.save("c", "x", "zzz")


def test_call_history_announces_clearing_and_viewing(store: Store, events: Recorder) -> None:
    history = CallHistory(store, events)
    history.add(Record.INCOMING, "u@x", "U", "", 1000.0, 5)
    viewed = history.mark_viewed()
    assert history.last_view == viewed and history.recent(10)[0]["viewed"] is True
    history.clear()
    assert history.count() == 0
    assert [(e, f) for e, f, _ in events.events] == [
        ("lastCallsViewed", {"lastView": viewed}),
        ("callHistoryCleared", {}),
    ]
    assert events.problems == []


def test_window_state_announces_changes_and_remembers_the_shown_state(events: Recorder) -> None:
    window = Window(events)
    assert window.change(3)
    assert window.change(1, True)
    assert not window.change(1)
    with pytest.raises(WindowError, match="windowState must be one of"):
        window.change(9)
    assert window.restore_state == 3
    assert events.take() == [
        ("windowStateChanged", {"windowState": 3, "stayOnTop": False}, False),
        ("windowStateChanged", {"windowState": 1, "stayOnTop": True}, False),
    ]


# --- NetworkService --------------------------------------------------------------------------
async def test_login_is_refused_until_connected(net: tuple[NetworkService, AppStateMachine], events: Recorder) -> None:
    service, appstate = net
    assert appstate.state == AppState.NONE
    with pytest.raises(NotConnected, match="not connected to a server: send connectToServer first") as refused:
        await service.login("alice", "secret")
    assert isinstance(refused.value, DomainError)
    with pytest.raises(NotConnected, match="not logged in: send login first"):
        service.send_chat("alice", "hello")
    with pytest.raises(NotConnected, match="not logged in"):
        service.send_command("alice", "ping")
    with pytest.raises(NotConnected, match="not logged in"):
        service.chat_peer("some-chat")
    assert service.chat_list() == []
    assert service.account() == {"peerId": "", "peerDn": ""}
    assert events.take() == []


async def test_bad_peer_ids_are_domain_and_id_errors(net: tuple[NetworkService, AppStateMachine]) -> None:
    service, _ = net
    with pytest.raises(BadPeerId) as refused:
        service.to_call_id("not a peer")
    assert isinstance(refused.value, IdError) and isinstance(refused.value, DomainError)


async def test_server_lists_come_from_the_servers_used(
    net: tuple[NetworkService, AppStateMachine], events: Recorder
) -> None:
    service, _ = net
    with pytest.raises(NetworkError, match="no conferencing service is configured"):
        await service.connect_to_service()
    service.announce_available_servers()
    service.creds.set_current_server("a.example", DEFAULT_PORT)
    service.creds.set_current_server("b.example", 5222)
    service.announce_available_servers()
    assert events.take() == [
        ("availableServersListLoaded", {"serverList": []}, False),
        (
            "availableServersListLoaded",
            {
                "serverList": [
                    {"serverName": "b.example:5222", "server": "b.example", "port": 5222},
                    {"serverName": "a.example", "server": "a.example", "port": DEFAULT_PORT},
                ]
            },
            False,
        ),
    ]
    service.remove_server("b.example:5222")
    assert [s["server"] for s in service.servers()] == ["a.example"]
    with pytest.raises(NetworkError, match=r"'b\.example' is not in the list of servers"):
        service.remove_server("b.example")


async def test_unreachable_server_goes_back_to_no_connection(
    net: tuple[NetworkService, AppStateMachine], events: Recorder
) -> None:
    service, appstate = net
    states: list[int] = []
    appstate.on_change(lambda snap: states.append(snap["appState"]))
    with socket.socket() as probe:  # a port nobody listens on: bound, closed again
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    await service.connect_to_server("127.0.0.1", port)
    for _ in range(100):
        if "serverDisconnected" in events.names():
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.05)
    assert states == [AppState.CONNECTING, AppState.NONE]
    (name, fields, admin_only), *_ = events.take()
    assert (name, admin_only) == ("serverDisconnected", False)
    assert (fields["server"], fields["port"], fields["service"]) == ("127.0.0.1", port, False)
    assert fields["reason"]
    assert service.creds.current_server() == {"server": "127.0.0.1", "port": port, "service": False}


async def test_roster_presence_and_chat_are_announced_from_the_service(
    net: tuple[NetworkService, AppStateMachine], events: Recorder
) -> None:
    service, _ = net
    service.account_id, service.domain = "room@localhost", "localhost"
    service.roster_pushed([RosterItem("bob@localhost", "Bob", ("Team",), "both")])
    added, joined = events.take()
    assert added[0] == "contactsAdded" and added[1]["contacts"][0]["peerDn"] == "Bob"
    assert joined[0] == "usersAddedToGroups"
    assert joined[1]["addedUsers"][0] | {"groupId": 0} == {
        "groupId": 0,
        "name": "Team",
        "peerId": "bob@localhost",
        "peerDn": "Bob",
    }
    service.presence_received(PresenceInfo("bob@localhost/x", "bob@localhost", True))
    assert events.names() == ["usersStatusesChanged"]
    events.take()
    service.chat_received(ChatMessage("bob@localhost", "hi", 1000.0, False, "msg-1"))
    service.chat_received(ChatMessage("bob@localhost", "hi", 1000.0, False, "msg-1"))  # a duplicate is dropped
    (name, fields, _), *rest = events.take()
    assert rest == [] and name == "incomingChatMessage"
    assert (fields["peerId"], fields["peerDn"], fields["message"], fields["time"]) == (
        "bob@localhost",
        "Bob",
        "hi",
        1000,
    )
    assert service.chat_peer(fields["chatId"]) == "bob@localhost"
    assert service.chat_list()[0]["callId"] == "bob@localhost"
    service.clear_chat("bob@localhost")
    assert events.take() == [("cmdChatClear", {"id": fields["chatId"], "chatId": fields["chatId"]}, False)]


async def test_address_book_refuses_without_a_login(
    net: tuple[NetworkService, AppStateMachine], events: Recorder
) -> None:
    service, _ = net
    book = AddressBook(service, events)
    with pytest.raises(NotConnected, match="not logged in"):
        book.create_group("Team")
    with pytest.raises(NotConnected):
        await book.block("bob")
    assert book.groups() == []
    assert await book.display_name("bob@localhost") == {"peerId": "bob@localhost", "peerDn": "bob"}
    assert events.take() == []


# --- HTTP server control, screen pictures, layout --------------------------------------------
class FakeHttpServer:
    """Stands in for web.http.HttpServer: records starts, can refuse a port."""

    def __init__(self, refuse: bool = False) -> None:
        self.state, self.port, self.refuse = "stopped", 0, refuse

    async def start(self, port: int, *, fixed: bool) -> None:
        if self.refuse:
            raise OSError(98, "Address already in use")
        self.state, self.port = "running", port

    async def stop(self) -> None:
        self.state = "stopped"


async def test_http_control_announces_state_then_applied_settings(store: Store, events: Recorder) -> None:
    from meetroom.core.httpsettings import HttpSettingError, HttpSettings
    from meetroom.httpcontrol import HttpControl, HttpError

    written: list[str] = []
    settings = HttpSettings(store)
    server = FakeHttpServer()
    control = HttpControl(server, settings, events, lambda: written.append("config"), lambda: written.append("state"))
    with pytest.raises(HttpSettingError, match="unknown HTTP server setting"):
        control.change_settings({"nope": 1})
    with pytest.raises(HttpSettingError, match=r"invalid literal for int\(\) with base 10: '²'"):
        control.change_settings({"httpServerPort": "²"})  # isdigit() but not int(): the reply keeps int()'s text
    with pytest.raises(HttpError, match="'settings' is empty"):
        control.change_settings({})
    control.change_settings({"httpServerPort": 18766})  # kept for the next start
    await control.start()
    assert [(name, admin_only) for name, _, admin_only in events.events] == [
        ("httpServerSettingChanged", True),
        ("httpServerStateChanged", False),
        ("httpServerSettingChanged", True),
    ]
    assert events.events[1][1] == {"state": "running"} and server.port == 18766
    assert written == ["config", "state"]
    events.take()
    with pytest.raises(HttpError, match="already running"):
        await control.start()
    await control.stop()
    assert events.take() == [("httpServerStateChanged", {"state": "stopped"}, False)]
    server.refuse = True
    with pytest.raises(HttpError, match="cannot start the HTTP server"):
        await control.start()


def test_screen_logo_changes_go_to_administrators_only(store: Store, events: Recorder) -> None:
    from meetroom.core.screensettings import ScreenSettings

    screen = ScreenSettings(store, Settings(store), events)
    assert screen.set_background(7)
    assert screen.set_logo(8, 1)
    assert not screen.set_logo(8, 1)
    assert screen.set_logo(None)
    assert events.take() == [
        ("backgroundImageChanged", {"isCustomImage": True, "fileId": 7}, False),
        ("logoImageChanged", {"fileId": 8, "mode": 1, "isCustomImage": True}, True),
        ("customLogoUsageChanged", {"use": True}, True),
        ("logoImageChanged", {"fileId": 0, "mode": 0, "isCustomImage": False}, True),
        ("customLogoUsageChanged", {"use": False}, True),
    ]


def test_layout_changes_are_announced_by_the_layout(events: Recorder) -> None:
    from meetroom.core.monitors import MonitorSet
    from meetroom.core.videolayout import VideoLayout
    from meetroom.core.videomatrix import LayoutError, VideoMatrix

    matrix = VideoMatrix(MonitorSet(), lambda: "Board room")
    layout = VideoLayout(matrix, events)
    layout.set_type(matrix.matrix_type)  # documented: announced even when the type stays
    with pytest.raises(LayoutError) as refused:
        layout.hide("nobody@localhost")
    assert isinstance(refused.value, DomainError)
    assert events.take() == [("videoMatrixChanged", matrix.snapshot(), False)]


async def test_slides_announce_the_list_and_use_the_given_web_address(
    store: Store, events: Recorder, tmp_path: Path
) -> None:
    from PIL import Image

    from meetroom.media.slides import SlideService
    from meetroom.media.uploads import UploadedFiles
    from meetroom.store.files import FileStore

    files = FileStore(store, tmp_path / "files")
    file_id, temp = files.new_upload()
    Image.new("RGB", (64, 36), "navy").save(temp, format="PNG")
    record = files.commit(file_id, temp, "one.png", temp.stat().st_size, "image/png")
    slides = SlideService(
        store, UploadedFiles(files, events), events, tmp_path / "slides", lambda: "http://10.1.2.3:8766/"
    )
    try:
        assert slides.add(record.id, record.name) == 0
        slides.start_show("Plan", 0)
        for _ in range(100):
            if "slideUploaded" in events.names():
                break
            await asyncio.sleep(0.05)
        names = events.names()
        assert names[:3] == ["slideAdded", "imageAddedToCachingQueue", "slideShowAvailabilityChanged"]
        assert "mySlideShowStarted" in names and "slideCached" in names
        uploaded = next(fields for name, fields, _ in events.events if name == "slideUploaded")
        assert uploaded == {"idx": 0, "url": f"http://10.1.2.3:8766/slides/{record.id}"}
        events.take()
        slides.remove_all(delete_files=True)
        assert events.names() == [
            "fileTransferFileDeleted",
            "mySlideShowStopped",
            "allSlidesRemoved",
            "slideShowCleared",
            "slideShowAvailabilityChanged",
        ]
        assert events.events[0][1] == {"file": record.entry()}
        assert files.get(record.id) is None
    finally:
        await slides.close()
