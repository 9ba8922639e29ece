"""Layout arithmetic (pure) and the layout commands against a real room."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meetroom.core.layout import MATRIX_TYPES, Rect, slot_rects


@given(
    matrix_type=st.sampled_from(MATRIX_TYPES),
    count=st.integers(0, 25),
    width=st.integers(160, 4000),
    height=st.integers(90, 2500),
)
def test_every_slot_lies_inside_the_area(matrix_type, count, width, height):
    rects = slot_rects(matrix_type, count, width, height)
    assert len(rects) == count
    for rect in rects:
        assert rect.width >= 0 and rect.height >= 0
        if rect.area():
            assert rect.left >= 0 and rect.right <= width and rect.top >= 0 and rect.bottom <= height


@given(
    matrix_type=st.sampled_from((1, 2, 3, 4)),
    count=st.integers(1, 25),
    width=st.integers(160, 4000),
    height=st.integers(90, 2500),
)
def test_tiled_types_show_every_slot_without_overlap(matrix_type, count, width, height):
    rects = slot_rects(matrix_type, count, width, height)
    assert all(r.area() > 0 for r in rects)
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert not a.overlaps(b), (a, b)


def test_the_large_slot_is_largest_and_type_0_shows_one():
    for matrix_type in (2, 3, 4, 5):
        rects = slot_rects(matrix_type, 5, 1920, 1080)
        assert rects[0].area() > max(r.area() for r in rects[1:])
    assert slot_rects(0, 3, 1920, 1080) == [Rect(0, 0, 1920, 1080), Rect(0, 0, 0, 0), Rect(0, 0, 0, 0)]
    assert slot_rects(1, 4, 1920, 1080)[3] == Rect(960, 540, 960, 540)
    assert slot_rects(4, 2, 1920, 1080)[0] == Rect(0, 0, 1440, 1080)
    small = slot_rects(5, 3, 1920, 1080)[1:]
    assert all(r.bottom == 1080 and r.overlaps(Rect(0, 0, 1920, 1080)) for r in small)
    with pytest.raises(ValueError):
        slot_rects(9, 1, 100, 100)


async def test_layout_commands_with_self_view(room, connect):
    client = await connect(room)
    matrix = await client.call("getVideoMatrix")
    assert matrix["selfViewMode"] == 2
    assert [p["peerId"] for p in matrix["participants"]] == ["#self:0"]
    slot = matrix["participants"][0]
    assert (slot["width"], slot["height"]) == (matrix["mainWindowWidth"], matrix["mainWindowHeight"])
    assert matrix["hiddenVideoSlots"] == [] and matrix["externVideoSlots"] == []

    assert (await client.call("changeVideoMatrixType", matrixType=3))["result"] is True
    assert (await client.wait_event("videoMatrixChanged"))["matrixType"] == 3
    assert (await client.call("changeVideoMatrixType", matrixType=42))["result"] is False
    assert (await client.call("getVideoMatrix"))["matrixType"] == 3

    assert (await client.call("hideVideoSlot", callId="#self:0"))["result"] is True
    hidden = await client.wait_event("videoMatrixChanged")
    assert hidden["participants"] == [] and hidden["hiddenVideoSlots"] == ["#self:0"]
    assert (await client.call("showVideoSlot", callId="#self:0"))["result"] is True
    shown = await client.wait_event("videoMatrixChanged")
    assert [p["peerId"] for p in shown["participants"]] == ["#self:0"]
    assert (await client.call("hideVideoSlot", callId="someone@server/1"))["result"] is False


async def test_slots_move_between_monitors(room_factory, connect, monkeypatch):
    monkeypatch.setenv("MEETROOM_VIRTUAL_MONITORS", "2")
    room = room_factory()
    client = await connect(room)
    info = await client.call("getMonitorsInfo")
    assert [m["index"] for m in info["monitors"]] == [0, 1] and info["currentMonitor"] == 0

    refused = await client.call("moveVideoSlotToMonitor", callId="#self:0", monitorIndex=0)
    assert refused["result"] is False and "main window" in refused["error"]
    assert (await client.call("moveVideoSlotToMonitor", callId="#self:0", monitorIndex="1"))["result"] is True
    moved = await client.wait_event("videoSlotMovedToMonitor")
    assert (moved["callId"], moved["monitorIdx"], moved["monitorIsPrimary"]) == ("#self:0", 1, False)
    matrix = await client.wait_event("videoMatrixChanged")
    assert matrix["participants"] == []
    assert matrix["externVideoSlots"][0]["callId"] == "#self:0"
    assert matrix["externVideoSlots"][0]["monitorIdx"] == 1

    assert (await client.call("removeVideoSlotFromMonitor", monitorIndex=1))["result"] is True
    removed = await client.wait_event("videoSlotRemovedFromMonitor")
    assert (removed["callId"], removed["monitorIdx"]) == ("#self:0", 1)
    assert [p["peerId"] for p in (await client.wait_event("videoMatrixChanged"))["participants"]] == ["#self:0"]
    assert (await client.call("removeVideoSlotFromMonitor", monitorIndex=1))["result"] is False

    assert (await client.call("changeCurrentMonitor", monitorIndex=1))["result"] is True
    updated = await client.wait_event("monitorsInfoUpdated")
    assert updated["currentMonitor"] == 1
    assert (await client.call("getMonitorsInfo"))["currentMonitor"] == 1
    assert (await client.call("changeCurrentMonitor", monitorIndex=5))["result"] is False


def test_layouts_that_once_overlapped():
    """Found by hypothesis: borders rounded twice made neighbours overlap by a pixel."""
    rects = slot_rects(3, 13, 433, 90)
    for a, b in itertools.pairwise(rects[1:]):
        assert a.right == b.left
    rects = slot_rects(2, 27, 100, 281)
    for i, a in enumerate(rects):
        assert not any(a.overlaps(b) for b in rects[i + 1 :])
