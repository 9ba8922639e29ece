"""Content sharing between two rooms: an X window and the slideshow as the call's second video.

The rooms run on a private Xvfb display with a Tk window of a known pattern; the receiver's
/frames/ content slot must show that pattern, then the shared slide. Also: dsStarted / dsStopped,
extraVideoFlowNotify, the content slot in the video matrix, switchVideoFlow, the owner stopping
the other side's sharing, and refusals (unknown capture id, not in a call, nothing shared).
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from meetroom.calls import contentwire as wire
from meetroom.calls.content import content_slot
from meetroom.media.desktop import parse_screen, parse_windows
from tests.support import xdisplay
from tests.support.calls import connected_call, remote_frame, start_rooms
from tests.support.media import png_bytes, upload
from tests.support.prosody import prosody  # noqa: F401

TREE = """
  Root window id: 0x50d (the root window) (has no name)
     3 children:
     0x200009 "pattern window": ("tk" "Tk")  200x151+50+60  +50+60
     0x200001 (has no name): ()  1x1+0+0  +0+0
     0x300001 "half off": ()  300x300+500+400  +500+400
"""


def test_display_listing_is_parsed():
    assert parse_screen("  Width: 640\n  Height: 480\n") == (640, 480)
    windows = parse_windows(TREE, (640, 480))
    assert [(w.id, w.name, w.x, w.y, w.width, w.height, w.whole) for w in windows] == [
        (0x200009, "pattern window", 50, 60, 200, 150, True),  # even height for the encoder; followed
        (0x300001, "half off", 500, 400, 140, 80, False),  # clipped to the screen: a rectangle
    ]


def test_content_add_marks_slides_and_merges():
    from aiortc import RTCPeerConnection

    async def run() -> None:
        pc = RTCPeerConnection()
        pc.addTransceiver("audio")
        pc.addTransceiver("video")
        await pc.setLocalDescription(await pc.createOffer())
        first = pc.localDescription.sdp
        pc.addTransceiver("video", direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        element = wire.content_action(
            pc.localDescription.sdp, "2", action="content-add", sid="s1", creator="initiator", author="initiator"
        )
        offer = wire.read_content(element)
        assert offer == wire.ContentOffer("2", "initiator", "initiator", "slides")
        merged = wire.merge(first, element, author="initiator", candidate_filter=None, answer=False)
        assert merged.count("m=video") == 2 and "a=content:slides" in merged and "a=group:BUNDLE 0 1 2" in merged
        assert "a=sendonly" in merged.split("m=video")[2]
        await pc.close()

    asyncio.run(run())


@pytest.fixture
def display(monkeypatch):
    if not xdisplay.available():
        pytest.skip("Xvfb and xwininfo are needed (scripts/test.sh installs them)")
    shown = xdisplay.start_display()
    try:
        xdisplay.show_pattern(shown)
        monkeypatch.setenv("DISPLAY", shown.name)
        yield shown
    finally:
        shown.stop()


def _is_pattern(frame: np.ndarray) -> bool:
    """The window's picture: red top-left quarter, green elsewhere (JPEG noise allowed)."""
    h, w = frame.shape[:2]
    red = frame[h // 8 : h * 3 // 8, w // 8 : w * 3 // 8].reshape(-1, 3).mean(axis=0)
    green = frame[h * 5 // 8 : h * 7 // 8, w * 5 // 8 : w * 7 // 8].reshape(-1, 3).mean(axis=0)
    return bool(np.abs(red - xdisplay.RED).max() < 30 and np.abs(green - xdisplay.GREEN).max() < 30)


def _colour_is(frame: np.ndarray, colour: tuple[int, int, int]) -> bool:
    h, w = frame.shape[:2]
    mean = frame[h // 4 : h * 3 // 4, w // 4 : w * 3 // 4].reshape(-1, 3).mean(axis=0)
    return bool(np.abs(mean - colour).max() < 25)


async def _frame_until(room, peer: str, check, timeout: float = 20.0) -> np.ndarray:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        frame, _ = await remote_frame(room, peer, timeout=timeout)
        if check(frame) or asyncio.get_running_loop().time() > deadline:
            return frame
        await asyncio.sleep(0.1)


async def _add_slide(room, colour) -> None:
    picture = png_bytes(640, 360, colour)
    status, body, headers = await upload(room.proc.http_port, room.client.http_token, picture, "s.png")
    assert status == 200, body
    assert (await room.client.call("addSlide", fileId=int(headers["FileId"])))["result"] is True


async def test_share_window_and_slides_between_two_rooms(prosody, room_factory, connect, display):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    hardware = await a.client.call("getHardware")
    listed = {e["name"]: e["id"] for e in hardware["DSCaptureList"]}
    assert listed["Slideshow"] == 1 and any(n.startswith("Screen") for n in listed), listed
    window_id = listed[xdisplay.PATTERN_TITLE]
    lonely = await a.client.call("startCapture", captureId=window_id)
    assert lonely["result"] is False and "not in a call" in lonely["error"]

    created = await connected_call(a, b)
    b_full = (await a.client.wait_event("newParticipantInConference", timeout=10))["peerId"]
    a_full = (await b.client.wait_event("newParticipantInConference", timeout=10))["peerId"]
    unknown = await a.client.call("startCapture", captureId=424242)
    assert unknown["result"] is False and "424242" in unknown["error"]
    nothing = await a.client.call("stopCapture")
    assert nothing["result"] is False and "no content" in nothing["error"]
    assert (await a.client.call("switchVideoFlow", callId=b_full, mainCamera=False))["result"] is False

    # the window: dsStarted here, extraVideoFlowNotify and a content slot there
    assert (await a.client.call("startCapture", captureId=window_id))["result"] is True
    started = await a.client.wait_event("dsStarted", timeout=10)
    assert started == {**started, "captureId": window_id, "name": xdisplay.PATTERN_TITLE}
    flow = await b.client.wait_event("extraVideoFlowNotify", timeout=15)
    assert flow == {**flow, "confId": created["confId"], "peerId": a_full, "extraVideo": 1}
    slot = content_slot(a_full)
    matrix = await b.client.call("getVideoMatrix")
    assert slot in [p["peerId"] for p in matrix["participants"]], matrix
    frame = await _frame_until(b, slot, _is_pattern)
    assert _is_pattern(frame), frame[::30, ::30].tolist()
    await asyncio.to_thread(xdisplay.move_pattern, display, 400, 300)  # the share follows the window
    for _ in range(5):  # over a second of new pictures: a rectangle left behind would show the bare root
        await asyncio.sleep(0.2)
        assert _is_pattern((await remote_frame(b, slot))[0]), "the moved window is still what is shared"

    # switchVideoFlow: the participant's main slot shows the content, then the camera again
    assert (await b.client.call("switchVideoFlow", callId=a_full, mainCamera=False))["result"] is True
    flow = await b.client.wait_event("extraVideoFlowNotify", timeout=10)
    assert flow["extraVideo"] == 1 and flow["peerId"] == a_full
    assert _is_pattern(await _frame_until(b, a_full, _is_pattern))
    assert (await b.client.call("switchVideoFlow", callId=a_full, mainCamera=True))["result"] is True
    assert (await b.client.wait_event("extraVideoFlowNotify", timeout=10))["extraVideo"] == 1  # still sharing
    camera = await _frame_until(b, a_full, lambda f: not _is_pattern(f))
    assert not _is_pattern(camera)

    # the slideshow replaces the window (dsStopped for the window, dsStarted for the slides)
    await _add_slide(a, (40, 60, 220))
    assert (await a.client.call("startCapture", captureId=1))["result"] is True
    assert (await a.client.wait_event("dsStopped", timeout=10))["captureId"] == window_id
    assert (await a.client.wait_event("dsStarted", timeout=10))["captureId"] == 1
    assert _colour_is(await _frame_until(b, slot, lambda f: _colour_is(f, (40, 60, 220))), (40, 60, 220))

    # stopCapture: the slot goes away there
    assert (await a.client.call("stopCapture"))["result"] is True
    assert (await a.client.wait_event("dsStopped", timeout=10))["captureId"] == 1
    flow = await b.client.wait_event("extraVideoFlowNotify", lambda e: e["extraVideo"] == 0, timeout=10)
    assert flow["peerId"] == a_full
    matrix = await b.client.call("getVideoMatrix")
    assert slot not in [p["peerId"] for p in matrix["participants"]]

    # the callee shares its slide; the caller owns the call and stops it
    await _add_slide(b, (230, 200, 40))
    assert (await b.client.call("startCapture", captureId=1))["result"] is True
    b_slot = content_slot(b_full)
    await a.client.wait_event("extraVideoFlowNotify", lambda e: e["extraVideo"] == 1, timeout=15)
    assert _colour_is(await _frame_until(a, b_slot, lambda f: _colour_is(f, (230, 200, 40))), (230, 200, 40))
    assert (await a.client.call("sendStopContentSharing"))["result"] is True
    await b.client.wait_event("contentSharingStoppedByConferenceLeader", timeout=10)
    assert (await b.client.wait_event("dsStopped", timeout=10))["captureId"] == 1
    await a.client.wait_event("extraVideoFlowNotify", lambda e: e["extraVideo"] == 0, timeout=10)
    # ... but the callee cannot stop the owner's sharing
    assert (await a.client.call("startCapture", captureId=1))["result"] is True
    await b.client.wait_event("extraVideoFlowNotify", lambda e: e["extraVideo"] == 1, timeout=15)
    refused = await b.client.call("sendStopContentSharing")
    assert refused["result"] is False and "forbidden" in refused["error"]

    # the call's own video still flows, and hanging up ends the sharing
    assert (await a.client.call("hangUp"))["result"] is True
    assert (await a.client.wait_event("dsStopped", timeout=10))["captureId"] == 1


async def test_share_slides_with_a_conference(prosody, room_factory, connect):  # noqa: F811
    from tests.test_conference_e2e import _conference

    a, b, c = await start_rooms(prosody, room_factory, connect, count=3)
    conf_id, _, fulls = await _conference(a, b, c)
    await _add_slide(a, (40, 60, 220))
    for room in (b, c):  # the mesh legs are up once the owner's picture arrives
        await remote_frame(room, fulls[a.name], timeout=15)
    assert (await a.client.call("startCapture", captureId=1))["result"] is True
    slot = content_slot(fulls[a.name])
    for room in (b, c):
        flow = await room.client.wait_event("extraVideoFlowNotify", timeout=15)
        assert flow == {**flow, "confId": conf_id, "peerId": fulls[a.name], "extraVideo": 1}
        frame = await _frame_until(room, slot, lambda f: _colour_is(f, (40, 60, 220)))
        assert _colour_is(frame, (40, 60, 220))
    assert (await a.client.call("stopCapture"))["result"] is True
    for room in (b, c):
        assert (await room.client.wait_event("extraVideoFlowNotify", timeout=10))["extraVideo"] == 0

    # a participant shares; the owner stops it; a participant cannot stop the owner's sharing
    await _add_slide(b, (230, 200, 40))
    assert (await b.client.call("startCapture", captureId=1))["result"] is True
    for room in (a, c):
        assert (await room.client.wait_event("extraVideoFlowNotify", timeout=15))["extraVideo"] == 1
    assert (await a.client.call("sendStopContentSharing", callId=fulls[b.name]))["result"] is True
    await b.client.wait_event("contentSharingStoppedByConferenceLeader", timeout=10)
    for room in (a, c):
        assert (await room.client.wait_event("extraVideoFlowNotify", timeout=10))["extraVideo"] == 0
    assert (await a.client.call("startCapture", captureId=1))["result"] is True
    await c.client.wait_event("extraVideoFlowNotify", lambda e: e["extraVideo"] == 1, timeout=15)
    refused = await c.client.call("sendStopContentSharing")
    assert refused["result"] is False and "forbidden" in refused["error"]


@pytest.mark.parametrize("sharer_offered_first", [True, False], ids=["initiator-shares", "responder-shares"])
def test_a_refused_content_add_leaves_the_call_as_it_was(sharer_offered_first):
    """aiortc has no rollback: the refusing answer brings the connection back to stable."""
    from aiortc import RTCSessionDescription

    from meetroom.media.rtc import create_peer_connection

    async def run() -> None:
        sharer, other = create_peer_connection(["127.0.0.1"]), create_peer_connection(["127.0.0.1"])
        first, second = (sharer, other) if sharer_offered_first else (other, sharer)
        first.addTransceiver("video")
        await first.setLocalDescription(await first.createOffer())
        await second.setRemoteDescription(first.localDescription)
        await second.setLocalDescription(await second.createAnswer())
        await first.setRemoteDescription(second.localDescription)
        transceiver = sharer.addTransceiver("video", direction="sendonly")
        await sharer.setLocalDescription(await sharer.createOffer())
        assert sharer.signalingState == "have-local-offer"
        refusal = wire.refusing_answer(sharer.remoteDescription.sdp, sharer.localDescription.sdp, transceiver.mid)
        await sharer.setRemoteDescription(RTCSessionDescription(refusal, "answer"))
        assert sharer.signalingState == "stable"
        await sharer.close()
        await other.close()

    asyncio.run(run())


async def test_a_client_that_rejects_the_content_keeps_its_call(prosody, room_factory, connect):  # noqa: F811
    """A standards client (slixmpp + aiortc) answers the content-add with content-reject."""
    from aiortc import RTCSessionDescription

    from meetroom.net.jingle import jingle_to_sdp, jmi, sdp_to_jingle
    from meetroom.net.jingle.ns import JINGLE, q
    from tests.test_calls_interop import POLICY, plain_client

    (b,) = await start_rooms(prosody, room_factory, connect, 1)
    await _add_slide(b, (40, 60, 220))
    x = await plain_client(prosody)
    try:
        sid = jmi.new_sid()
        x.send_jmi(b.call_id, jmi.propose(sid))
        room_full, _ = await x.next_jmi("ringing")
        await b.client.wait_event("inviteReceived", timeout=10)
        await b.client.call("accept")
        await x.next_jmi("proceed")
        await x.pc.setLocalDescription(await x.pc.createOffer())
        offer = sdp_to_jingle(
            x.pc.localDescription.sdp, sid=sid, action="session-initiate", initiator=x.session.full_jid
        )
        await x.send_jingle(room_full, offer)
        _, accept = await x.next_jingle("session-accept")
        await x.pc.setRemoteDescription(
            RTCSessionDescription(jingle_to_sdp(accept, candidate_filter=POLICY.allows_remote), "answer")
        )
        await b.client.wait_event("conferenceCreated", timeout=15)
        await asyncio.wait_for(x.frames, 10)

        assert (await b.client.call("startCapture", captureId=1))["result"] is True
        _, added = await x.next_jingle("content-add")
        content = added.find(q(JINGLE, "content"))
        assert content.get("creator") == "responder" and content.get("senders") == "responder"
        assert wire.read_content(added).role == "slides" and wire.is_video(added)
        reject = ET.Element(q(JINGLE, "jingle"), {"action": "content-reject", "sid": sid})
        ET.SubElement(reject, q(JINGLE, "content"), {"creator": "responder", "name": content.get("name")})
        await x.send_jingle(room_full, reject)
        for _ in range(100):
            if "did not take the content" in b.proc.text:
                break
            await asyncio.sleep(0.1)
        assert "did not take the content" in b.proc.text
        assert (await b.client.call("getAppState"))["appState"] == 5  # the call goes on
        assert (await b.client.call("stopCapture"))["result"] is True
        assert (await b.client.call("hangUp"))["result"] is True
    finally:
        await x.pc.close()
        await x.session.stop()
