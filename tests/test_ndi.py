"""NDI in and out, against a real room and a real NDI runtime, and the rules on their own.

Everything that runs NDI runs inside a network namespace of its own with only loopback
(tests/support/netns.py, root only): tests/support/ndi_driver.py starts avahi, Prosody and the
room there and checks the pictures both ways with the same library the room uses. The rest needs
no NDI at all: deviceId rules in-process, and a room whose NDI package cannot be imported.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from meetroom.core.settings import Settings
from meetroom.media import ndilib
from meetroom.media.framestore import SELF, FrameStore
from meetroom.media.manager import Media
from meetroom.media.ndi import CONTENT, MIXED, NdiError, NdiService, Target, device_key, resolve, source_name
from meetroom.media.ndioutputs import AUDIO_CHUNK, HeardFeed, MixedFeed, StoreFeed, compose
from meetroom.media.pattern import BARS, TestPattern
from meetroom.store.db import Store
from tests.support.media import difference
from tests.support.netns import run_isolated, unavailable

DRIVER_TIMEOUT = 60.0
NDI_COMMANDS = {
    "getNDIState": {},
    "setNDIState": {"enabled": True},
    "createNDIDevice": {"deviceId": MIXED},
    "deleteNDIDevice": {"deviceId": MIXED},
    "getCreatedNDIDevices": {},
}


# --- both ways, inside a namespace ------------------------------------------------------------
def _drive(tmp_path_factory: pytest.TempPathFactory, scenario: str) -> tuple[dict[str, Any], Path]:
    """Run one scenario of tests/support/ndi_driver.py in a namespace; its records, merged, and its files."""
    why = unavailable()
    if why:
        pytest.skip(why)
    if importlib.util.find_spec("NDIlib") is None:  # looked up, not loaded: no NDI outside the namespace
        pytest.skip("the NDI package is not installed (pip install 'meetroom[ndi]')")
    scratch = tmp_path_factory.mktemp(f"ndi-{scenario}")
    args = ["--dir", str(scratch), "--scenario", scenario]
    run = run_isolated("tests.support.ndi_driver", args, DRIVER_TIMEOUT)
    logs = [json.dumps(r["room_log"])[-3000:] for r in run.records if "room_log" in r]
    assert run.code == 0, f"{run.stderr[-3000:]}\n--- rooms ---\n" + "\n".join(logs)
    merged: dict[str, Any] = {}
    for record in run.records:
        merged.update({k: v for k, v in record.items() if k not in ("pid", "room_log")})
    assert merged.get("done") is True
    assert merged["schema"]["seen"] > 20 and merged["schema"]["problems"] == []  # every field the spec lists
    return merged, scratch


@pytest.fixture(scope="module")
def ndi_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    return _drive(tmp_path_factory, "self")


@pytest.fixture(scope="module")
def ndi_call(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    return _drive(tmp_path_factory, "call")


def test_ndi_is_off_until_switched_on_and_says_so(ndi_run):
    run, _ = ndi_run
    assert run["before"]["state"]["enabled"] is False
    off = run["before"]["off"]
    assert off["result"] is False and "switched off" in off["error"]
    assert run["on"]["reply"]["result"] is True
    assert run["on"]["event"]["enabled"] is True
    assert run["state"]["enabled"] is True
    # the choice is kept: after a restart NDI is on and the sources on the network are cameras at once
    assert run["restart"]["state"]["enabled"] is True
    assert any(name.endswith("(meetroom test camera)") for name in run["restart"]["capturers"])
    assert run["off"]["reply"]["result"] is True and run["off"]["event"]["enabled"] is False


def test_bad_device_ids_are_refused_and_nothing_is_created(ndi_run):
    refusals = ndi_run[0]["refusals"]
    assert refusals["peer_id"]["result"] is False and "PeerId" in refusals["peer_id"]["error"]
    assert refusals["not_in_call"]["result"] is False and "not in the current call" in refusals["not_in_call"]["error"]
    assert refusals["garbage"]["result"] is False and refusals["garbage"]["error"]
    assert refusals["delete_unknown"]["result"] is False and "no NDI source" in refusals["delete_unknown"]["error"]
    assert refusals["created_after"]["createdNDIDevices"] == []


def test_the_rooms_own_instance_id_publishes_its_self_view_over_ndi(ndi_run):
    run, scratch = ndi_run
    out = run["out"]
    assert out["reply"]["result"] is True
    created = out["created"]
    own_call_id = created["deviceId"]
    assert "/" not in own_call_id and "@" in own_call_id  # the InstanceId became its CallId, as documented
    assert created["mixedType"] == "single"
    assert created["displayName"] == f"meetroom {own_call_id}"  # the room's name and the participant's
    assert out["listed"]["createdNDIDevices"] == [{k: created[k] for k in ("deviceId", "displayName", "mixedType")}]
    assert out["source"].endswith(f"({created['displayName']})")
    assert run["deleted"]["reply"]["result"] is True
    assert run["deleted"]["event"]["deviceId"] == own_call_id

    # the picture a test-side NDI receiver got is the room's test pattern
    frame = np.load(scratch / "out_frame.npy")
    assert frame.shape == (720, 1280, 3)
    expected = TestPattern(1280, 720, "meetroom").render()
    assert difference(frame, expected) < 12  # the clock and the sweeping bar differ, nothing else
    edges = np.linspace(0, 1280, len(BARS) + 1).astype(int)
    for colour, left, right in zip(BARS, edges[:-1], edges[1:], strict=True):
        patch = frame[100:200, left + 20 : right - 20].reshape(-1, 3).astype(float)
        assert np.abs(np.median(patch, axis=0) - colour).max() < 16, (colour, np.median(patch, axis=0))
    # and it carries the room's microphone: the virtual tone, 48 kHz
    sound = run["out_sound"]
    assert sound["rate"] == 48000 and sound["samples"] > 24000
    assert 0.1 < sound["rms"] < 0.25
    # the room's own NDI source is not offered to it as a camera
    assert all("ndi" not in name for name in run["out_capturers"]) and len(run["out_capturers"]) == 1


def test_the_content_stream_is_the_current_slide(ndi_run):
    content = ndi_run[0]["content"]
    assert content["reply"]["result"] is True and content["deleted"]["result"] is True
    assert content["created"]["deviceId"] == CONTENT and content["created"]["mixedType"] == "single"
    assert max(content["before"]) < 60  # no slideshow: the dark "No content is shown" picture
    assert np.abs(np.array(content["during"]) - (230, 120, 20)).max() < 12  # the slide, filling the picture


def test_an_ndi_source_on_the_network_becomes_the_rooms_camera(ndi_run):
    run, scratch = ndi_run
    into = run["into"]
    device = into["device"]
    assert device["description"] == f"ndi:{device['name']}" and device["connected"] is True
    assert into["listed_s"] < 5
    assert into["selected"]["result"] is True
    assert into["current"] == device["description"]
    picture = np.load(scratch / "in_picture.npy")
    self_view = np.load(scratch / "in_self_view.npy")
    assert self_view.shape == picture.shape
    assert difference(self_view, picture) < 12
    for y, x in ((180, 320), (180, 960), (540, 320)):  # the three flat quadrants, pixel by pixel
        assert np.abs(self_view[y - 40 : y + 40, x - 40 : x + 40].astype(int) - picture[y, x]).max() < 24
    # the sender went away: the capturer is gone and the room is back on its test pattern
    gone = run["gone"]
    assert gone["current"] == "virtual:test-pattern"
    assert all(not d["description"].startswith("ndi:") for d in gone["capturers"])


def test_a_participant_and_the_layout_are_published_while_in_a_call(ndi_call):
    run, scratch = ndi_call
    made = run["call"]
    b_id = made["b_id"]
    assert made["peer"]["result"] is True
    assert made["peer_event"]["deviceId"] == b_id  # created by InstanceId, named by CallId
    assert made["peer_event"]["displayName"] == f"meetroom {b_id}" and made["peer_event"]["mixedType"] == "single"
    assert made["again"]["result"] is False and "exists already" in made["again"]["error"]
    assert made["mixed"]["result"] is True
    assert made["mixed_event"]["deviceId"] == MIXED and made["mixed_event"]["mixedType"] == "mixed"
    assert [d["deviceId"] for d in made["listed"]["createdNDIDevices"]] == [b_id, MIXED]

    # B's camera is a test-side NDI source; A's NDI source of B shows that picture, decoded from the call
    picture = np.load(scratch / "call_picture.npy")
    peer = np.load(scratch / "call_peer.npy")  # as decoded: the call may send fewer pixels at first
    assert peer.shape[2] == 3 and abs(peer.shape[1] / peer.shape[0] - 16 / 9) < 0.05
    assert difference(peer, picture) < 15  # compared at the same (reduced) size
    # and carries B's sound (B's virtual microphone, a tone, through Opus)
    sound = made["peer_sound"]
    assert sound["samples"] > 24000 and 0.05 < sound["rms"] < 0.4

    # #mixed:0 is the layout as the screen shows it: each slot's picture in its rectangle
    mixed = np.load(scratch / "call_mixed.npy")
    matrix = made["matrix"]
    sx, sy = 1280 / matrix["mainWindowWidth"], 720 / matrix["mainWindowHeight"]
    expected = {"#self:0": TestPattern(1280, 720, "meetroom").render(), made["b_instance"]: picture}
    assert {slot["peerId"] for slot in matrix["participants"]} == set(expected)
    for slot in matrix["participants"]:
        left, top = round(slot["left"] * sx), round(slot["top"] * sy)
        width, height = round(slot["width"] * sx), round(slot["height"] * sy)
        inner = round(width * 9 / 16)  # a 16:9 picture letterboxed into a taller rectangle
        margin = (height - inner) // 2
        assert margin > 20, slot
        tile = mixed[top + margin : top + margin + inner, left : left + width]
        wanted = np.asarray(Image.fromarray(expected[slot["peerId"]]).resize((width, inner)))
        assert difference(tile, wanted) < 15, slot
        assert mixed[top : top + margin - 2, left : left + width].max() < 20  # black bars above and below

    # B hung up: A's source of B went with B (the layout's stays)
    assert run["left"]["event"]["deviceId"] == b_id
    assert [d["deviceId"] for d in run["left"]["listed"]["createdNDIDevices"]] == [MIXED]
    # switching NDI off removes what is left, announced
    assert run["off"]["reply"]["result"] is True and run["off"]["removed"]["deviceId"] == MIXED
    assert run["off"]["listed"]["createdNDIDevices"] == []


# --- without the NDI package ----------------------------------------------------------------------
async def test_without_the_ndi_package_every_ndi_command_says_it_is_not_installed(
    room_factory, connect, tmp_path, monkeypatch
):
    hidden = tmp_path / "hide-ndi" / "NDIlib"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text("raise ImportError('no NDI runtime in this test')\n")
    monkeypatch.setenv("PYTHONPATH", str(hidden.parent))
    room = room_factory()
    client = await connect(room)
    for method, params in NDI_COMMANDS.items():
        reply = await client.call(method, **params)
        assert reply["result"] is False, reply
        assert "NDI is not installed" in reply["error"] and "meetroom[ndi]" in reply["error"]
    assert (await client.call("getAppState"))["result"] is True  # connection and room stay up
    assert not client.pending_events("NDIStateChanged")


def test_a_room_does_not_import_ndi_until_ndi_is_used():
    code = "import sys, meetroom.app, meetroom.cli; print('NDIlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"


async def test_a_running_room_with_ndi_off_has_not_loaded_the_ndi_runtime(room, connect):
    client = await connect(room)
    assert (await client.call("getHardware"))["result"] is True
    assert room.proc is not None
    maps = Path(f"/proc/{room.proc.pid}/maps").read_text()
    assert "libndi" not in maps and "NDIlib" not in maps


# --- rules, in-process ------------------------------------------------------------------------------
def test_device_ids_follow_the_documented_forms():
    assert device_key(MIXED) == Target("mixed", MIXED) and device_key(MIXED).mixed_type == "mixed"
    assert device_key(CONTENT) == Target("content", CONTENT) and device_key(CONTENT).mixed_type == "single"
    assert device_key("Bob@Example.org") == Target("peer", "bob@example.org")
    assert device_key("bob@example.org/desk-7") == Target("peer", "bob@example.org")  # InstanceId -> CallId
    for bad in ("bob", "", "@example.org", "bob@", "bob@example.org/"):
        with pytest.raises(NdiError):
            device_key(bad)
    with pytest.raises(NdiError, match="PeerId"):
        device_key("bob")


def test_own_ids_are_self_view_and_others_must_be_in_the_call():
    participants = {"bob@example.org/desk-7": "Bob"}
    own = Target("self", "room@example.org")
    assert resolve("room@example.org/meetroom-1", "room@example.org", participants) == own
    assert resolve("room@example.org", "room@example.org", {}) == Target("self", "room@example.org")
    assert resolve("bob@example.org", "room@example.org", participants) == Target("peer", "bob@example.org")
    assert resolve("bob@example.org/other", "room@example.org", participants).key == "bob@example.org"
    with pytest.raises(NdiError, match="not in the current call"):
        resolve("carol@example.org", "room@example.org", participants)
    with pytest.raises(NdiError, match="not in the current call"):
        resolve("room@example.org", "", {})  # not logged in: no own CallId to recognise


def test_source_names_are_what_ndi_publishes():
    assert source_name("meetroom", "bob@example.org") == "meetroom bob@example.org"
    assert source_name("Room 1", MIXED) == "Room 1 #mixed 0"  # NDI turns ':' into a space itself
    assert source_name("a/b\\c", 'x*y?"z<>|') == "a b c x y z"


def test_the_mixed_picture_follows_the_layout():
    red = np.zeros((90, 160, 3), np.uint8)
    red[:] = (200, 0, 0)
    layout = {
        "mainWindowWidth": 1920,
        "mainWindowHeight": 1080,
        "participants": [
            {"peerId": SELF, "peerDn": "me", "left": 0, "top": 0, "width": 960, "height": 1080},
            {"peerId": "bob@x/1", "peerDn": "Bob", "left": 960, "top": 0, "width": 960, "height": 1080},
        ],
    }
    picture = compose(layout, [(layout["participants"][0], (red, 1)), (layout["participants"][1], None)], (1280, 720))
    assert picture.shape == (720, 1280, 3)
    # self view letterboxed into its 640x720 rectangle, as the screen draws it: 640x360 in the middle
    assert np.abs(picture[182:538, 2:638].reshape(-1, 3).mean(axis=0) - (200, 0, 0)).max() < 2
    assert not picture[:178, :640].any() and not picture[542:, :640].any()
    right = picture[:, 640:]
    assert right.mean() < 60 and right.std() > 5  # Bob has no video yet: the dark placeholder with his name


async def test_feeds_send_each_new_frame_once_and_follow_the_layout():
    frames = FrameStore()
    frames.bind_loop(asyncio.get_running_loop())
    feed = StoreFeed(frames, lambda: "bob@x/1", lambda: 30)
    frame = np.zeros((4, 4, 3), np.uint8)
    frames.put("bob@x/1", frame)
    assert await feed.next() is frame
    waiting = asyncio.ensure_future(feed.next())
    await asyncio.sleep(0.05)
    assert not waiting.done()  # nothing new: nothing to send
    frames.put("bob@x/1", frame + 1)
    assert (await asyncio.wait_for(waiting, 2))[0, 0, 0] == 1
    layout = {"mainWindowWidth": 4, "mainWindowHeight": 4, "participants": []}
    mixed = await MixedFeed(frames, lambda: layout, (32, 18)).next()
    assert mixed.shape == (18, 32, 3) and not mixed.any()


async def test_participants_heard_at_once_are_mixed_not_played_in_turn():
    import av

    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    feed = HeardFeed(lambda peer: peer != "other@x/1", clock=lambda: now[0], sleep=sleep)
    feed.add("alice@x/1", np.full((1, AUDIO_CHUNK * 2), 0.25, np.float32), 48000)  # mono: both channels
    feed.add("bob@x/1", np.full((2, AUDIO_CHUNK), 0.5, np.float32), 48000)
    first, rate = await feed.next()
    assert rate == 48000 and first.shape == (2, AUDIO_CHUNK)
    assert np.allclose(first, 0.75), "Alice and Bob at once, summed"
    second, _ = await feed.next()
    assert np.allclose(second, 0.25), "only Alice had a second 20 ms"
    assert slept[-1] == pytest.approx(AUDIO_CHUNK / 48000), "chunks leave at the real rate"

    waiting = asyncio.ensure_future(feed.next())
    await asyncio.sleep(0)
    assert not waiting.done(), "nobody is talking: the feed waits rather than inventing silence"
    packed = np.full((1, AUDIO_CHUNK * 2), 16384, np.int16)  # decoded Opus: s16, stereo interleaved
    frame = av.AudioFrame.from_ndarray(packed, format="s16", layout="stereo")
    frame.sample_rate = 48000
    feed.push("other@x/1", frame)  # a participant this device does not carry
    feed.add("carol@x/1", np.full((1, AUDIO_CHUNK // 6), 0.9, np.float32), 8000)  # G.711: 20 ms at 8 kHz
    feed.add("dave@x/1", np.full((2, AUDIO_CHUNK), 0.6, np.float32), 48000)
    third, _ = await asyncio.wait_for(waiting, 2)
    assert np.allclose(third, 1.0), "0.9 + 0.6 clipped to full scale; the other participant left out"
    feed.push("carol@x/1", frame)
    fourth, _ = await feed.next()
    assert np.allclose(fourth, 0.5, atol=1e-3)


class Sink:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def publish(self, event: str, fields: dict[str, Any] | None = None, *, admin_only: bool = False) -> None:
        self.events.append((event, dict(fields or {})))


def _service(tmp_path: Path, sink: Sink) -> NdiService:
    store = Store(tmp_path / "meetroom.sqlite3")
    media = Media(store, Settings(store), sink)
    return NdiService(
        store,
        media,
        sink,
        room_name=lambda: "meetroom",
        own_call_id=lambda: "room@example.org",
        participants=dict,
        layout=dict,
        content=lambda: None,
    )


async def test_the_service_refuses_everything_without_the_package(tmp_path, monkeypatch):
    monkeypatch.setattr(ndilib, "available", lambda: False)
    sink = Sink()
    service = _service(tmp_path, sink)
    calls = [
        service.state,
        service.created,
        lambda: service.set_state(True),
        lambda: service.create(MIXED),
        lambda: service.delete(MIXED),
    ]
    for call in calls:
        with pytest.raises(ndilib.NdiNotInstalled, match="NDI is not installed"):
            result = call()
            if asyncio.iscoroutine(result):
                await result
    assert sink.events == [] and service.enabled is False


async def test_the_service_while_ndi_is_off(tmp_path, monkeypatch):
    monkeypatch.setattr(ndilib, "available", lambda: True)  # looked up only: nothing of NDI runs here
    sink = Sink()
    service = _service(tmp_path, sink)
    assert service.state() == {"enabled": False}
    assert await service.set_state(False) is False
    with pytest.raises(NdiError, match="switched off"):
        await service.create("room@example.org/meetroom-1")
    with pytest.raises(NdiError, match="no NDI source"):
        await service.delete("room@example.org")
    assert service.created() == {"createdNDIDevices": []}
    assert service._cameras() == []  # no NDI camera while off
    assert sink.events == []
