"""Driver of tests/test_ndi.py, run inside a network namespace of its own (tests/support/netns.py).

It starts avahi, Prosody and rooms there, logs them in, and checks NDI both ways with a sender
and a receiver of the same library the room uses (meetroom.media.ndilib). Scenario `self`:
- out: createNDIDevice with the room's own InstanceId, then a test-side NDI receiver takes a
  frame of that source (saved as out_frame.npy) and measures its sound;
- in: a test-side NDI sender shows a known picture (saved as in_picture.npy), the room lists it
  among its video capturers, it is selected as camera, and self view from /frames/ is saved
  (in_self_view.npy); then the sender goes away and the room drops it.
Scenario `call`: room B's camera is a test-side NDI source; A calls B and publishes B (by its
InstanceId) and #mixed:0; a receiver saves both pictures and B's sound level; B hangs up and
A's source of B goes with it.
Each step's replies and notifications go to stdout, one JSON object per line; the test asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from meetroom.client import RoomClient
from meetroom.media import ndilib
from meetroom.media.ndioutputs import to_rgbx
from tests.support.media import difference, frames_url, get, png_bytes, upload
from tests.support.netns import Mdns
from tests.support.netroom import online
from tests.support.process import RoomProcess
from tests.support.prosody import ProsodyServer, new_account
from tests.support.schema import SchemaRecorder

TEST_CAMERA = "meetroom test camera"
CONTENT = "#contentSharing:slideShowOrDs:1"
SLIDE_COLOUR = (230, 120, 20)
WAIT = 10.0


def emit(**record: Any) -> None:
    print(json.dumps(record), flush=True)


def known_picture(width: int = 1280, height: int = 720) -> np.ndarray:
    """Four coloured quadrants and a grey ramp: nothing like the room's test pattern."""
    img = np.zeros((height, width, 3), np.uint8)
    h, w = height // 2, width // 2
    img[:h, :w] = (220, 40, 40)
    img[:h, w:] = (40, 200, 60)
    img[h:, :w] = (40, 60, 220)
    img[h:, w:] = np.linspace(0, 255, width - w).astype(np.uint8)[None, :, None]
    return img


class Pump(threading.Thread):
    """A test-side NDI source sending one picture at 30 frames/s until stopped."""

    def __init__(self, name: str, picture: np.ndarray) -> None:
        super().__init__(daemon=True)
        self.sender = ndilib.Sender(name)
        self.picture = to_rgbx(picture)
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(1 / 30):
            self.sender.send_video(self.picture, 30)

    def stop(self) -> None:
        self.halt.set()
        self.join(5)
        self.sender.close()


def find_source(finder: ndilib.Finder, suffix: str, timeout: float = WAIT) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name in finder.wait(500):
            if name.endswith(f"({suffix})"):
                return name
    raise TimeoutError(f"no NDI source '{suffix}' within {timeout} s")


def sound_level(source: str, seconds: float = 1.5) -> dict[str, float]:
    """RMS and sample count of the sound an NDI source sends, read with the runtime directly."""
    ndi = ndilib.load()
    create = ndi.RecvCreateV3()
    receiver = ndi.recv_create_v3(create)
    found = ndi.Source()
    found.ndi_name = source
    ndi.recv_connect(receiver, found)
    chunks: list[np.ndarray] = []
    rate = 0
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            kind, video, audio, metadata = ndi.recv_capture_v2(receiver, 100)
            if kind == ndi.FRAME_TYPE_AUDIO:
                chunks.append(np.array(audio.data, np.float32).reshape(-1))
                rate = int(audio.sample_rate)
                ndi.recv_free_audio_v2(receiver, audio)
            elif kind == ndi.FRAME_TYPE_VIDEO:
                ndi.recv_free_video_v2(receiver, video)
            elif kind == ndi.FRAME_TYPE_METADATA:
                ndi.recv_free_metadata(receiver, metadata)
    finally:
        ndi.recv_destroy(receiver)
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    rms = float(np.sqrt(np.mean(samples * samples))) if samples.size else 0.0
    return {"rms": rms, "samples": int(samples.size), "rate": rate}


async def self_view(port: int, token: str) -> np.ndarray:
    status, body, _ = await get(frames_url(port, token))
    assert status == 200, body
    return np.asarray(Image.open(io.BytesIO(body)).convert("RGB"))


async def refusals(client: RoomClient) -> dict[str, Any]:
    """Bad deviceIds once NDI is on: each one refused, nothing created."""
    out = {}
    for label, device_id in (("peer_id", "someone"), ("not_in_call", "nobody@localhost"), ("garbage", "a b@/")):
        out[label] = await client.call("createNDIDevice", deviceId=device_id)
    out["delete_unknown"] = await client.call("deleteNDIDevice", deviceId="#mixed:0")
    out["created_after"] = await client.call("getCreatedNDIDevices")
    return out


async def send_out(client: RoomClient, own: str, finder: ndilib.Finder, scratch: Path) -> None:
    """The room's self view as an NDI source, seen by a test-side receiver."""
    reply = await client.call("createNDIDevice", deviceId=f"{own}/ndi-test")
    created = await client.wait_event("NDIDeviceCreated", timeout=WAIT)
    listed = await client.call("getCreatedNDIDevices")
    t0 = time.monotonic()
    source = find_source(finder, created["displayName"])
    receiver = ndilib.Receiver(source)
    try:
        frame = await asyncio.to_thread(receiver.latest_video, WAIT)
    finally:
        receiver.close()
    first_frame_s = time.monotonic() - t0
    assert frame is not None, "no video from the room's NDI source"
    np.save(scratch / "out_frame.npy", frame)
    sound = await asyncio.to_thread(sound_level, source)
    hardware = await client.call("getHardware")
    names = [d["name"] for d in hardware["videoCapturers"]]
    emit(out={"reply": reply, "created": created, "listed": listed, "source": source, "first_frame_s": first_frame_s})
    emit(out_sound=sound, out_capturers=names)


async def receive_in(client: RoomClient, token: str, port: int, scratch: Path) -> None:
    """A test-side NDI source becomes the room's camera: self view shows its picture."""
    picture = known_picture()
    np.save(scratch / "in_picture.npy", picture)
    client.clear_events()
    pump = Pump(TEST_CAMERA, picture)
    pump.start()
    try:
        t0 = time.monotonic()
        seen = await client.wait_event(
            "hardwareChanged",
            lambda e: any(d["name"].endswith(f"({TEST_CAMERA})") for d in e["videoCapturers"]),
            timeout=WAIT,
        )
        listed_s = time.monotonic() - t0
        device = next(d for d in seen["videoCapturers"] if d["name"].endswith(f"({TEST_CAMERA})"))
        selected = await client.call("setVideoCapturer", name=device["name"], description=device["description"])
        chosen = await client.call("getHardware")
        t0 = time.monotonic()
        frame = await self_view(port, token)
        while difference(frame, picture) > 12 and time.monotonic() - t0 < WAIT:
            await asyncio.sleep(0.1)
            frame = await self_view(port, token)
        shown_s = time.monotonic() - t0
        np.save(scratch / "in_self_view.npy", frame)
        emit(
            into={
                "device": device,
                "listed_s": listed_s,
                "selected": selected,
                "current": chosen["currentVideoCapturerDescription"],
                "shown_s": shown_s,
            }
        )
    finally:
        pump.stop()
    gone = await client.wait_event(
        "hardwareChanged",
        lambda e: not any(d["name"].endswith(f"({TEST_CAMERA})") for d in e["videoCapturers"]),
        timeout=WAIT,
    )
    emit(gone={"current": gone["currentVideoCapturerDescription"], "capturers": gone["videoCapturers"]})


class Stack:
    """avahi + D-Bus, Prosody and rooms inside the namespace; stopped in reverse order."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.started: list[Any] = []
        self.rooms: list[RoomProcess] = []
        self.clients: list[RoomClient] = []
        self.prosody = ProsodyServer(scratch / "prosody")
        self.schema = SchemaRecorder()  # every reply and notification against the spec's fields

    async def start(self, rooms: int) -> list[tuple[RoomClient, str]]:
        """Start everything; returns (client, own CallId) of each room, logged in."""
        mdns = Mdns(self.scratch / "mdns")
        self.started.append(mdns)
        for pid in mdns.start():
            emit(pid=pid)
        self.prosody.start()
        self.started.append(self.prosody)
        assert self.prosody.proc is not None
        emit(pid=self.prosody.proc.pid)
        out = []
        for index in range(rooms):
            room = RoomProcess(self.scratch / f"room{index}", ["--ice-host", "127.0.0.1"])
            room.start()
            self.started.append(room)
            self.rooms.append(room)
            assert room.proc is not None
            emit(pid=room.proc.pid)
            client = RoomClient("127.0.0.1", room.http_port, on_message=self.schema)
            await client.connect()
            await client.auth()
            self.clients.append(client)
            login = await online(client, self.prosody, *new_account(self.prosody, f"ndiroom{index}"))
            out.append((client, login["peerId"]))
        return out

    async def stop(self) -> None:
        emit(schema={"seen": self.schema.seen, "problems": self.schema.problems})
        for client in self.clients:
            await client.close()
        for thing in reversed(self.started):
            thing.stop()
            procs = thing.procs if isinstance(thing, Mdns) else [thing.proc]
            for proc in procs:
                if proc is not None and proc.poll() is not None:
                    emit(stopped=proc.pid)
        for index, room in enumerate(self.rooms):
            lines = [line for line in room.output if "aioice" not in line and "outgoing bitrate" not in line]
            emit(room_log={index: "".join(lines)[-6000:]})


async def content(client: RoomClient, port: int, finder: ndilib.Finder) -> None:
    """The content stream: a placeholder until a slideshow runs, then the current slide."""
    reply = await client.call("createNDIDevice", deviceId=CONTENT)
    created = await client.wait_event("NDIDeviceCreated", lambda e: e["deviceId"] == CONTENT, timeout=WAIT)
    _, before = await latest_from(finder, created["displayName"], settle=0.0)
    assert client.http_token is not None
    status, _, headers = await upload(port, client.http_token, png_bytes(320, 180, colour=SLIDE_COLOUR), "slide.png")
    assert status == 200
    assert (await client.call("addSlide", fileId=int(headers["FileId"])))["result"] is True
    assert (await client.call("startSlideShow"))["result"] is True
    await client.wait_event("slideUploaded", timeout=WAIT)  # the slide is prepared
    _, during = await latest_from(finder, created["displayName"], settle=0.5)
    assert (await client.call("stopSlideShow"))["result"] is True
    deleted = await client.call("deleteNDIDevice", deviceId=CONTENT)
    emit(
        content={
            "reply": reply,
            "created": created,
            "before": [float(v) for v in before.reshape(-1, 3).mean(axis=0)],
            "during": [float(v) for v in during[100:620, 100:1180].reshape(-1, 3).mean(axis=0)],
            "deleted": deleted,
        }
    )


async def restarted(stack: Stack, client: RoomClient) -> RoomClient:
    """Restart the room: NDI stays on, and a source on the network is a camera again at once."""
    room = stack.rooms[0]
    await client.close()
    stack.clients.remove(client)
    assert room.proc is not None
    room.stop()
    emit(stopped=room.proc.pid)
    room.start()
    assert room.proc is not None
    emit(pid=room.proc.pid)
    client = RoomClient("127.0.0.1", room.http_port, on_message=stack.schema)
    stack.clients.append(client)
    await client.connect()
    await client.auth()
    state = await client.call("getNDIState")
    pump = Pump(TEST_CAMERA, known_picture())
    pump.start()
    try:
        deadline = time.monotonic() + WAIT
        names: list[str] = []
        while time.monotonic() < deadline and not any(n.endswith(f"({TEST_CAMERA})") for n in names):
            await asyncio.sleep(0.2)
            names = [d["name"] for d in (await client.call("getHardware"))["videoCapturers"]]
    finally:
        pump.stop()
    emit(restart={"state": state, "capturers": names})
    return client


async def drive_self(scratch: Path) -> None:
    """NDI out of the room's self view, NDI in as its camera, and the refusals."""
    stack = Stack(scratch)
    try:
        ((client, own),) = await stack.start(1)
        room = stack.rooms[0]
        refused_while_off = await client.call("createNDIDevice", deviceId=own)
        emit(before={"off": refused_while_off, "state": await client.call("getNDIState")})
        switched = await client.call("setNDIState", enabled=True)
        emit(on={"reply": switched, "event": await client.wait_event("NDIStateChanged", timeout=WAIT)})
        emit(state=await client.call("getNDIState"), refusals=await refusals(client))
        finder = ndilib.Finder()
        try:
            await send_out(client, own, finder, scratch)
            await content(client, room.http_port, finder)
            assert client.http_token is not None
            await receive_in(client, client.http_token, room.http_port, scratch)
        finally:
            finder.close()
        deleted = await client.call("deleteNDIDevice", deviceId=f"{own}/ndi-test")
        emit(deleted={"reply": deleted, "event": await client.wait_event("NDIDeviceDeleted", timeout=WAIT)})
        client = await restarted(stack, client)
        off = await client.call("setNDIState", enabled=False)
        emit(off={"reply": off, "event": await client.wait_event("NDIStateChanged", timeout=WAIT)})
        emit(done=True)
    finally:
        await stack.stop()


async def latest_from(finder: ndilib.Finder, display_name: str, settle: float = 1.0) -> tuple[str, np.ndarray]:
    """A frame of the room's source `display_name`, taken `settle` s after the first one."""
    source = await asyncio.to_thread(find_source, finder, display_name)
    receiver = ndilib.Receiver(source)
    try:
        frame = await asyncio.to_thread(receiver.latest_video, WAIT)
        await asyncio.sleep(settle)
        frame = await asyncio.to_thread(receiver.latest_video, WAIT)
    finally:
        receiver.close()
    assert frame is not None, f"no video from {source}"
    return source, frame


async def drive_call(scratch: Path) -> None:
    """Room A publishes its call partner B (whose camera is a test-side NDI source) and the layout."""
    stack = Stack(scratch)
    pump: Pump | None = None
    try:
        (a, _), (b, b_id) = await stack.start(2)
        for client in (a, b):
            assert (await client.call("setNDIState", enabled=True))["result"] is True
        picture = known_picture()
        np.save(scratch / "call_picture.npy", picture)
        pump = Pump(TEST_CAMERA, picture)
        pump.start()
        seen = await b.wait_event(
            "hardwareChanged",
            lambda e: any(d["name"].endswith(f"({TEST_CAMERA})") for d in e["videoCapturers"]),
            timeout=WAIT,
        )
        camera = next(d for d in seen["videoCapturers"] if d["name"].endswith(f"({TEST_CAMERA})"))
        assert (await b.call("setVideoCapturer", name=camera["name"], description=camera["description"]))["result"]
        assert (await a.call("call", peerId=b_id))["result"] is True
        await b.wait_event("inviteReceived", timeout=WAIT)
        assert (await b.call("accept"))["result"] is True
        await a.wait_event("conferenceCreated", timeout=15)
        participants = (await a.call("getConferenceParticipants"))["participants"]
        b_instance = next(p["peerId"] for p in participants if p["peerId"].startswith(b_id))
        a.clear_events()
        made = {"peer": await a.call("createNDIDevice", deviceId=b_instance)}
        made["peer_event"] = await a.wait_event("NDIDeviceCreated", timeout=WAIT)
        made["again"] = await a.call("createNDIDevice", deviceId=b_id)
        made["mixed"] = await a.call("createNDIDevice", deviceId="#mixed:0")
        made["mixed_event"] = await a.wait_event("NDIDeviceCreated", timeout=WAIT)
        made["listed"] = await a.call("getCreatedNDIDevices")
        made["matrix"] = await a.call("getVideoMatrix")
        made["b_instance"], made["b_id"] = b_instance, b_id
        finder = ndilib.Finder()
        try:
            source, frame = await latest_from(finder, made["peer_event"]["displayName"], settle=2.0)
            np.save(scratch / "call_peer.npy", frame)
            made["peer_sound"] = await asyncio.to_thread(sound_level, source)
            _, mixed = await latest_from(finder, made["mixed_event"]["displayName"])
            np.save(scratch / "call_mixed.npy", mixed)
        finally:
            finder.close()
        emit(call=made)
        assert (await b.call("hangUp"))["result"] is True
        left = await a.wait_event("NDIDeviceDeleted", timeout=WAIT)
        emit(left={"event": left, "listed": await a.call("getCreatedNDIDevices")})
        off = await a.call("setNDIState", enabled=False)  # takes the remaining sources along
        removed = await a.wait_event("NDIDeviceDeleted", timeout=WAIT)
        emit(off={"reply": off, "removed": removed, "listed": await a.call("getCreatedNDIDevices")})
        emit(done=True)
    finally:
        if pump is not None:
            pump.stop()
        await stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="scratch directory (Prosody, the room, saved frames)")
    parser.add_argument("--scenario", choices=("self", "call"), default="self")
    args = parser.parse_args()
    asyncio.run((drive_self if args.scenario == "self" else drive_call)(Path(args.dir)))


if __name__ == "__main__":
    sys.exit(main())
