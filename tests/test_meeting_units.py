"""The in-meeting services on their own: far camera, tones and recording consent, with a fake link.

No room, no XMPP: a `FakeLink` records what would go to a participant and answers as told, the
directory has a fixed participant, and a recording sink checks every notification's fields.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from meetroom.calls import farcamera
from meetroom.calls.farcamera import FarCamera, FarCameraError
from meetroom.calls.peerlink import PeerRefused
from meetroom.calls.peers import MeetingPeer, NotInMeeting, PeerDirectory
from meetroom.calls.tones import ToneDial, ToneError, dtmf_info
from meetroom.core.settings import Settings
from meetroom.media.ptz import PtzPosition
from meetroom.store.db import Store
from tests.test_services_units import Recorder

PEER = MeetingPeer("bob@meet.test/room-1", "abc@meet.test#vcs", "Bob", sid="sid-1")


class FakeLink:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, str]]] = []
        self.answer = ""  # the error condition the peer answers with ("" = taken)
        self.handlers: dict[str, Any] = {}

    def serve(self, namespace: str, handler: Any) -> None:
        self.handlers[namespace] = handler

    async def send(self, peer: str, payload: ET.Element, timeout: float = 10.0) -> str:
        self.sent.append((peer, payload.tag.rpartition("}")[2], dict(payload.attrib)))
        return self.answer

    def send_nowait(self, peer: str, payload: ET.Element) -> None:
        self.sent.append((peer, payload.tag.rpartition("}")[2], dict(payload.attrib)))

    async def deliver(self, namespace: str, name: str, **attrs: str) -> None:
        await self.handlers[namespace](PEER, ET.Element(f"{{{namespace}}}{name}", attrs))


class FakeMedia:
    def __init__(self) -> None:
        self.position = PtzPosition()
        self.changes = 0
        self.camera: object | None = object()

    def current(self, kind: str) -> object | None:
        return self.camera

    async def stop_motion(self) -> None:
        pass

    def ptz_changed(self) -> None:
        self.changes += 1


@pytest.fixture
def parts(tmp_path: Path) -> Any:
    store = Store(tmp_path / "s.sqlite3")
    directory = PeerDirectory()
    peers = [PEER]
    directory.add_source(lambda: list(peers))
    yield SimpleNamespace(
        settings=Settings(store), directory=directory, peers=peers, link=FakeLink(), events=Recorder()
    )
    store.close()


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_far_camera_requester_side(parts):
    settings, directory, _peers, link, events = parts.settings, parts.directory, parts.peers, parts.link, parts.events
    camera = FarCamera(link, directory, settings, FakeMedia(), events)  # type: ignore[arg-type]
    with pytest.raises(NotInMeeting):
        camera.request("carol@meet.test/x")
    assert camera.request("bob@meet.test") == PEER.instance_id  # a CallId only one participant has
    await _settle()
    assert link.sent == [(PEER.instance_id, "request", {})]
    assert events.take() == [("requestCameraControlSent", {"callId": PEER.instance_id}, False)]
    with pytest.raises(FarCameraError):
        camera.request(PEER.instance_id)
    await link.deliver(farcamera.NS, "accept")
    assert camera.remotely_controlled() == [PEER.instance_id] and camera.outgoing_requests() == []
    await camera.move(PEER.instance_id, "zoomInc")
    assert link.sent[-1] == (PEER.instance_id, "ptz", {"move": "zoomInc"})
    link.answer = "forbidden"
    with pytest.raises(FarCameraError):
        await camera.move(PEER.instance_id, "up")
    # the owner takes control back; then the call ends with a new ask pending
    events.take()
    await link.deliver(farcamera.NS, "withdraw")
    assert events.take() == [("remotelyControlledCameraNotAvailableAnymore", {"callId": PEER.instance_id}, False)]
    link.answer = ""
    camera.request(PEER.instance_id)
    await _settle()
    events.take()
    directory.peer_left(PEER.instance_id, True)
    assert events.take() == [("outgoingRequestCameraControlRejected", {"callId": PEER.instance_id, "reason": 4}, False)]
    assert events.problems == []


async def test_far_camera_unsupported_peer_and_unsolicited_answers(parts):
    settings, directory, _peers, link, events = parts.settings, parts.directory, parts.peers, parts.link, parts.events
    camera = FarCamera(link, directory, settings, FakeMedia(), events)  # type: ignore[arg-type]
    link.answer = "service-unavailable"  # a client without the extension
    camera.request(PEER.instance_id)
    await _settle()
    assert events.take() == [("outgoingRequestCameraControlRejected", {"callId": PEER.instance_id, "reason": 3}, False)]
    with pytest.raises(PeerRefused):
        await link.deliver(farcamera.NS, "accept")
    with pytest.raises(PeerRefused):
        await link.deliver(farcamera.NS, "ptz", move="up")  # never granted


async def test_far_camera_owner_side_timeout_and_settings(parts, monkeypatch):
    settings, directory, _peers, link, events = parts.settings, parts.directory, parts.peers, parts.link, parts.events
    media = FakeMedia()
    monkeypatch.setattr(farcamera, "REQUEST_TIMEOUT", 0.05)
    camera = FarCamera(link, directory, settings, media, events)  # type: ignore[arg-type]
    await link.deliver(farcamera.NS, "request")
    await _settle()
    assert events.take() == [("requestCameraControlReceived", {"callId": PEER.instance_id}, False)]
    assert camera.incoming_requests() == [PEER.instance_id]
    await asyncio.sleep(0.1)  # nobody answers
    assert events.take() == [("incomingRequestCameraControlRejected", {"callId": PEER.instance_id, "reason": 1}, False)]
    assert link.sent[-1] == (PEER.instance_id, "reject", {"reason": "1"})
    with pytest.raises(FarCameraError):
        camera.reject(None)  # nothing waits
    await link.deliver(farcamera.NS, "request")
    await _settle()
    events.take()
    camera.reject(None)  # as python-trueconf-room sends it: the one waiting ask is meant
    assert events.take() == [("incomingRequestCameraControlRejected", {"callId": PEER.instance_id, "reason": 0}, False)]

    await link.deliver(farcamera.NS, "request")
    await _settle()
    settings.update({farcamera.ACCESS: farcamera.GRANT_ALL})  # granting every ask grants the waiting one
    assert camera.controllers == {PEER.instance_id} and link.sent[-1][1] == "accept"
    await link.deliver(farcamera.NS, "ptz", move="right")
    await link.deliver(farcamera.NS, "ptz", move="zoomInc")
    assert media.position.values["pan"] == 10 and media.position.values["zoom"] == 120 and media.changes == 2
    with pytest.raises(PeerRefused):
        await link.deliver(farcamera.NS, "ptz", move="sideways")
    settings.update({farcamera.ACCESS: farcamera.REFUSE_ALL})
    assert camera.controllers == set() and link.sent[-1][1] == "withdraw"
    events.take()
    media.camera = None  # no camera: an ask is refused as "control unavailable"
    settings.update({farcamera.ACCESS: farcamera.ASK})
    await link.deliver(farcamera.NS, "request")
    await _settle()
    assert link.sent[-1] == (PEER.instance_id, "reject", {"reason": "2"})
    assert events.problems == []


async def test_tones_refuse_bad_symbols_and_strangers(parts):
    _settings, directory, peers, link, events = parts.settings, parts.directory, parts.peers, parts.link, parts.events
    tones = ToneDial(link, directory, events)  # type: ignore[arg-type]
    with pytest.raises(ToneError):
        await tones.send(PEER.instance_id, "x")
    await tones.send(PEER.instance_id, "*")
    assert link.sent[-1][1] == "jingle"
    assert tones.tap(PEER.instance_id, dtmf_info("sid-1", "9")) is True
    assert tones.tap(PEER.instance_id, dtmf_info("another-session", "9")) is False
    assert tones.tap("eve@meet.test/x", dtmf_info("sid-1", "9")) is False
    assert [f["symbol"] for _, f, _ in events.take()] == ["*", "9"]
    peers.clear()
    with pytest.raises(NotInMeeting):
        await tones.send("bob@meet.test", "1")


class FakeCalls:
    def active_media(self, peer: str) -> Any:
        from meetroom.calls.errors import CallError

        raise CallError("no media in this test")


async def test_recording_consent_both_sides(parts, tmp_path):
    from meetroom.calls import recording as rec
    from meetroom.core.appstate import AppStateMachine
    from meetroom.media.framestore import FrameStore
    from meetroom.store.files import FileStore

    store = Store(tmp_path / "r.sqlite3")
    media = SimpleNamespace(frames=FrameStore(), mic_taps=[])
    media.frames.bind_loop(asyncio.get_running_loop())
    appstate = AppStateMachine(lambda: 0)
    files = FileStore(store, tmp_path / "files")
    layout = {"mainWindowWidth": 1280, "mainWindowHeight": 720, "participants": []}
    link, events = parts.link, parts.events
    service = rec.CallRecording(
        link, parts.directory, FakeCalls(), media, appstate, files, parts.settings, events, lambda: layout
    )  # type: ignore[arg-type]
    with pytest.raises(rec.RecordingError):
        await service.stop()
    service.start()
    await _settle()
    assert link.sent[-1] == (PEER.instance_id, "request", {})
    await link.deliver(rec.NS, "allow")
    assert appstate.snapshot()["recording"] is True
    assert link.sent[-1] == (PEER.instance_id, "status", {"recording": "true"})
    await asyncio.sleep(0.3)
    saved = await service.stop()
    assert saved["fileId"] and files.get(saved["fileId"]).mime == "video/mp4"
    assert appstate.snapshot()["recording"] is False
    assert [n for n in events.names() if n.startswith("record")] == ["recordPermissionReceived", "recordingStopped"]
    with pytest.raises(PeerRefused):
        await link.deliver(rec.NS, "allow")  # nobody asked

    # the other side: a request, denied at once by the setting; then the peer's status
    events.take()
    parts.settings.update({"record": rec.DENY_ALL})
    await link.deliver(rec.NS, "request")
    await _settle()
    assert events.take() == [
        ("recordRequestReply", {"confId": PEER.conf_id, "peerId": PEER.instance_id, "recordAllowed": False}, False)
    ]
    assert link.sent[-1] == (PEER.instance_id, "deny", {})
    await link.deliver(rec.NS, "status", recording="true")
    parts.directory.peer_left(PEER.instance_id, True)  # a recorder that leaves has stopped
    assert [(n, f["status"]) for n, f, _ in events.take()] == [
        ("userRecordingMeStatusChanged", True),
        ("userRecordingMeStatusChanged", False),
    ]
    assert events.problems == []
    await service.close()
    store.close()
