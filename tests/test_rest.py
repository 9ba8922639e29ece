"""A room at rest has not loaded the media stack; the first picture and the first call load it and work.

aiortc, PyAV, NumPy and Pillow are most of an idle room's memory and of its start time, so they
load when media is first needed (a /frames/ request, a screen page, a call), not at start. What
a process has loaded is read from /proc/<pid>/maps: each of these libraries maps native code
(.so files) the moment it is imported (aiortc through pylibsrtp), so the check needs nothing inside the room.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from tests.support.calls import ICE, connected_call, remote_frame, start_rooms
from tests.support.media import self_frame
from tests.support.process import RoomProcess, rss_bytes
from tests.support.prosody import prosody  # noqa: F401  (fixture)

# aiortc itself is pure Python: its SRTP library, which `import aiortc` loads, stands for it
MEDIA_LIBRARIES = {"numpy": "/numpy/", "PyAV": "/av/", "Pillow": "/PIL/", "aiortc": "/pylibsrtp/"}
IDLE_RSS_BUDGET = 80_000_000  # issue: an idle room at most 80 MB resident
# what a control panel reads when it connects: none of it needs a picture or a peer connection
PANEL_READS = (
    "getAppState",
    "getSystemInfo",
    "getHardware",
    "getModes",
    "getPtzControls",
    "getSettings",
    "getMonitorsInfo",
    "getVideoMatrix",
    "getRenderInfo",
    "getBroadcastSelfie",
    "getBackground",
    "getSlideShowInfo",
    "getFileList",
    "getAbook",
)


def loaded_media(proc: RoomProcess) -> list[str]:
    """The media libraries whose native code the room process has mapped."""
    assert proc.proc is not None
    maps = Path(f"/proc/{proc.proc.pid}/maps").read_text()
    return sorted(name for name, part in MEDIA_LIBRARIES.items() if part in maps)


async def test_an_idle_room_loads_the_media_stack_only_with_its_first_picture(room_factory, connect):
    room = room_factory(*ICE)
    client = await connect(room)
    for name in PANEL_READS:
        assert (await client.call(name))["result"] is not False, name
    assert loaded_media(room) == []
    assert room.proc is not None and rss_bytes(room.proc.pid) < IDLE_RSS_BUDGET

    # the first /frames/ request starts self view: the test pattern at the mode's size
    first = await self_frame(room.http_port, client.http_token)
    assert first.shape == (720, 1280, 3) and first[: 720 * 2 // 3].std() > 50
    assert loaded_media(room) == ["Pillow", "PyAV", "numpy"]  # the check sees them once they are there
    await asyncio.sleep(0.3)
    assert (await self_frame(room.http_port, client.http_token)).shape == first.shape


async def test_logged_in_rooms_load_aiortc_with_their_first_call(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    assert loaded_media(a.proc) == [] and loaded_media(b.proc) == []  # logged in, online, no call yet

    await connected_call(a, b)
    b_full = (await a.client.wait_event("peerAccepted", timeout=10))["peerId"]
    picture, _ = await remote_frame(a, b_full, timeout=10)  # B's test pattern, decoded at A
    assert picture.std() > 20
    assert "aiortc" in loaded_media(a.proc) and "aiortc" in loaded_media(b.proc)
    assert (await a.client.call("hangUp"))["result"] is True


def test_importing_the_room_loads_no_media_library() -> None:
    heavy = "{'aiortc', 'aioice', 'av', 'numpy', 'PIL'}"
    code = f"import sys, meetroom.app; print(sorted({{m.split('.')[0] for m in sys.modules}} & {heavy}))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]", "python -X importtime -c 'import meetroom.app' shows who imports them"


def test_the_light_bitrate_limits_follow_aiortc() -> None:
    from aiortc.codecs import vpx

    from meetroom.calls.bitratelimits import MAX_BPS, video_limits_kbps

    assert MAX_BPS == vpx.MAX_BITRATE
    assert video_limits_kbps()["max"] == vpx.MAX_BITRATE // 1000
