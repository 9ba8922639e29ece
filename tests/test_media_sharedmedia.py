"""The conference's shared video encoder, in-process: one encode per frame for any number of legs,
key frames when a leg starts, asks or resumes, nothing while no leg sends; and what the legs get
decodes back to the camera's picture."""

from __future__ import annotations

import asyncio
import fractions

import av
import numpy as np
import pytest
from aiortc.codecs import vpx
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamTrack

from meetroom.calls.conference.sharedrate import LegsRate, SharedVp8Encoder
from meetroom.media.sharedmedia import QUEUE_LIMIT, SharedStream, StreamOutlet, is_key_frame

WIDTH, HEIGHT = 320, 180
TIMEOUT = 10.0


def picture(n: int) -> np.ndarray:
    """A moving bar on grey: frame n has it at column 8n (so consecutive frames differ)."""
    rgb = np.full((HEIGHT, WIDTH, 3), 90, dtype=np.uint8)
    x = (8 * n) % (WIDTH - 16)
    rgb[:, x : x + 16] = (240, 40, 40)
    return rgb


class FedCamera(MediaStreamTrack):
    """A camera whose frames the test hands in one by one; counts how often it was opened and read."""

    kind = "video"
    opened = 0

    def __init__(self, frames: asyncio.Queue[int]) -> None:
        super().__init__()
        FedCamera.opened += 1
        self.frames = frames
        self.reads = 0

    async def recv(self) -> av.VideoFrame:
        n = await self.frames.get()
        self.reads += 1
        frame = av.VideoFrame.from_ndarray(picture(n), format="rgb24")
        frame.pts, frame.time_base = n * 6000, fractions.Fraction(1, 90000)
        return frame


class CountingEncoder(SharedVp8Encoder):
    def __init__(self) -> None:
        super().__init__(LegsRate(lambda: []))
        self.calls = 0
        self.forced = 0

    def encode(self, frame, force_keyframe=False):  # type: ignore[no-untyped-def]
        self.calls += 1
        self.forced += force_keyframe
        return super().encode(frame, force_keyframe)


class Rig:
    def __init__(self) -> None:
        self.frames: asyncio.Queue[int] = asyncio.Queue()
        self.cameras: list[FedCamera] = []
        self.encoder = CountingEncoder()
        self.shared = SharedStream(self._camera, self.encoder)
        self.n = 0

    def _camera(self) -> FedCamera:
        camera = FedCamera(self.frames)
        self.cameras.append(camera)
        self.frames.put_nowait(0)  # what the camera has at once: the shared stream reads one to warm up
        return camera

    async def step(self, outlets: list[StreamOutlet]) -> list[av.Packet]:
        """Feed one camera frame; each outlet's next packet (all of them must get it)."""
        reads = [asyncio.ensure_future(o.recv()) for o in outlets]
        await asyncio.sleep(0)  # the legs are reading (a leg's first read asks for a key frame) before the frame
        self.n += 1
        self.frames.put_nowait(self.n)
        return list(await asyncio.wait_for(asyncio.gather(*reads), TIMEOUT))


def decode(packets: list[av.Packet]) -> list[np.ndarray]:
    decoder = vpx.Vp8Decoder()
    out = []
    for packet in packets:
        for frame in decoder.decode(JitterFrame(bytes(packet), int(packet.pts))):
            out.append(frame.to_ndarray(format="rgb24"))
    return out


@pytest.fixture
async def rig():
    r = Rig()
    yield r
    await r.shared.close()


def test_key_frame_tag():
    assert is_key_frame(b"\x10\x02\x00\x9d\x01\x2a")  # tag bit 0 clear
    assert not is_key_frame(b"\x31\x02\x00")
    assert not is_key_frame(b"")


async def test_one_encode_per_frame_for_every_leg(rig):
    legs = [rig.shared.outlet() for _ in range(3)]
    got: list[list[av.Packet]] = [[] for _ in legs]
    for _ in range(10):
        for mine, packet in zip(got, await rig.step(legs), strict=True):
            mine.append(packet)
    assert rig.encoder.calls == 10  # not 30
    assert rig.shared.encodes == 10
    assert len(rig.cameras) == 1 and rig.cameras[0].reads == 11  # one to warm up, unencoded
    for mine in got:
        assert [bytes(p) for p in mine] == [bytes(p) for p in got[0]]  # the same stream on every leg
        assert is_key_frame(bytes(mine[0]))
        assert not any(is_key_frame(bytes(p)) for p in mine[1:])  # one key frame to start, then deltas
        assert [p.pts for p in mine] == sorted(p.pts for p in mine)
    pictures = decode(got[0])
    assert len(pictures) == 10
    for n, rgb in enumerate(pictures, start=1):
        assert np.mean(np.abs(rgb.astype(int) - picture(n).astype(int))) < 12  # the camera's picture, moving


async def test_a_leg_joining_later_starts_with_a_key_frame(rig):
    first = rig.shared.outlet()
    for _ in range(5):
        await rig.step([first])
    assert rig.shared.keyframes == 1
    late = rig.shared.outlet()
    both = await rig.step([first, late])  # the late leg's first read asked for a key frame
    assert all(is_key_frame(bytes(p)) for p in both)
    assert bytes(both[0]) == bytes(both[1])
    assert rig.shared.keyframes == 2
    assert decode([both[1], *[p[1] for p in [await rig.step([first, late]) for _ in range(3)]]])


async def test_key_frame_requests_from_legs_make_one_key_frame(rig):
    legs = [rig.shared.outlet() for _ in range(3)]
    for _ in range(3):
        await rig.step(legs)
    for leg in legs:  # e.g. a PLI on every leg after the same loss
        leg.request_keyframe()
    packets = await rig.step(legs)
    assert all(is_key_frame(bytes(p)) for p in packets)
    assert not any(is_key_frame(bytes(p)) for p in await rig.step(legs))
    assert rig.shared.keyframes == 2 and rig.encoder.forced == 2  # the start, then one for all three


async def test_a_sender_s_pli_reaches_the_shared_encoder(rig):
    class Sender:
        def _send_keyframe(self) -> None:
            raise AssertionError("aiortc's own flag: no encoder of its own would see it")

    leg = rig.shared.outlet()
    sender = Sender()
    leg.bind(sender)
    await rig.step([leg])
    sender._send_keyframe()  # what aiortc's sender calls on RTCP PLI/FIR
    assert is_key_frame(bytes((await rig.step([leg]))[0]))


async def test_nothing_is_encoded_while_no_leg_sends(rig):
    on, off = rig.shared.outlet(), rig.shared.outlet()
    await rig.step([on, off])
    off.set_enabled(False)
    for _ in range(3):
        await rig.step([on])
    on.set_enabled(False)
    for n in (97, 98, 99):  # the camera goes on: nobody sends, so nothing is encoded (or read past the first)
        rig.frames.put_nowait(n)
    await asyncio.sleep(0.2)
    assert rig.encoder.calls == 4 and rig.frames.qsize() >= 2
    while not rig.frames.empty():  # what the camera had meanwhile is gone by the time anyone sends again
        rig.frames.get_nowait()
    off.set_enabled(True)  # back on the podium: resumes with a key frame
    packet = (await rig.step([off]))[0]
    assert is_key_frame(bytes(packet)) and rig.encoder.calls == 5


async def test_a_sender_that_falls_behind_resumes_at_a_key_frame(rig):
    fast, slow = rig.shared.outlet(), rig.shared.outlet()
    await rig.step([fast, slow])
    for _ in range(QUEUE_LIMIT + 1):  # slow reads nothing meanwhile
        await rig.step([fast])
    late = await rig.step([fast, slow])
    assert is_key_frame(bytes(late[1])) and bytes(late[0]) == bytes(late[1])


async def test_the_camera_is_let_go_with_the_last_leg(rig):
    legs = [rig.shared.outlet(), rig.shared.outlet()]
    await rig.step(legs)
    legs[0].stop()
    await rig.step(legs[1:])
    assert len(rig.cameras) == 1
    legs[1].stop()
    assert rig.cameras[0].readyState == "ended"
    again = rig.shared.outlet()
    packet = (await rig.step([again]))[0]
    assert len(rig.cameras) == 2 and is_key_frame(bytes(packet))


def test_legs_rate_is_the_slowest_leg_s():
    from meetroom.calls.bitrate import BitrateGovernor

    fast, slow = BitrateGovernor(10_000), BitrateGovernor(10_000)
    slow.set_output_bandwidth(300)
    governors = [fast, slow]
    rate = LegsRate(lambda: governors)
    assert rate.target_bps == min(fast.target_bps, slow.target_bps) == slow.target_bps < fast.target_bps
    governors.remove(slow)
    assert rate.target_bps == fast.target_bps
    governors.clear()
    assert rate.target_bps == vpx.DEFAULT_BITRATE


class FedMicrophone(MediaStreamTrack):
    kind = "audio"

    def __init__(self, frames: asyncio.Queue[int]) -> None:
        super().__init__()
        self.frames = frames

    async def recv(self) -> av.AudioFrame:
        n = await self.frames.get()
        tone = (np.sin(np.arange(n * 960, (n + 1) * 960) * 2 * np.pi * 440 / 48000) * 8000).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = 48000, n * 960, fractions.Fraction(1, 48000)
        return frame


async def test_the_microphone_is_encoded_once_for_every_leg():
    from aiortc.codecs import opus

    from meetroom.calls.bitrate import GovernedOpusEncoder

    class Counting(GovernedOpusEncoder):
        calls = 0

        def encode(self, frame, force_keyframe=False):  # type: ignore[no-untyped-def]
            Counting.calls += 1
            return super().encode(frame, force_keyframe)

    frames: asyncio.Queue[int] = asyncio.Queue()
    shared = SharedStream(lambda: FedMicrophone(frames), Counting(), kind="audio")
    legs = [shared.outlet() for _ in range(3)]
    assert all(leg.kind == "audio" for leg in legs)
    got: list[list[av.Packet]] = [[] for _ in legs]
    try:
        for n in range(10):
            reads = [asyncio.ensure_future(leg.recv()) for leg in legs]
            await asyncio.sleep(0)
            frames.put_nowait(n)
            for mine, packet in zip(got, await asyncio.wait_for(asyncio.gather(*reads), TIMEOUT), strict=True):
                mine.append(packet)
    finally:
        await shared.close()
    assert Counting.calls == 10
    assert all([bytes(p) for p in mine] == [bytes(p) for p in got[0]] for mine in got)
    assert [p.time_base for p in got[0]] == [fractions.Fraction(1, 48000)] * 10
    steps = {b.pts - a.pts for a, b in zip(got[0], got[0][1:], strict=False)}
    assert steps == {960}  # 20 ms apart on Opus's clock
    decoder = opus.OpusDecoder()
    pcm = [decoder.decode(JitterFrame(bytes(p), int(p.pts)))[0].to_ndarray() for p in got[0]]
    assert np.abs(np.concatenate(pcm, axis=None)[-960:]).max() > 2000  # the tone, not silence


async def test_the_microphone_is_read_on_but_not_encoded_while_no_leg_sends():
    """A paced or device microphone must not fall behind (a burst of old sound when sending resumes)."""
    from meetroom.calls.bitrate import GovernedOpusEncoder

    frames: asyncio.Queue[int] = asyncio.Queue()
    encoder = GovernedOpusEncoder()
    encodes = []
    original = encoder.encode
    encoder.encode = lambda frame, force_keyframe=False: encodes.append(frame.pts) or original(frame)  # type: ignore[method-assign]
    shared = SharedStream(lambda: FedMicrophone(frames), encoder, kind="audio")
    leg = shared.outlet()
    try:
        reading = asyncio.ensure_future(leg.recv())
        await asyncio.sleep(0)
        frames.put_nowait(0)
        await asyncio.wait_for(reading, TIMEOUT)
        leg.set_enabled(False)  # off the podium
        for n in range(1, 6):
            frames.put_nowait(n)
        async with asyncio.timeout(TIMEOUT):
            while not frames.empty():
                await asyncio.sleep(0.01)
        assert encodes == [0]  # read, not encoded
        leg.set_enabled(True)
        reading = asyncio.ensure_future(leg.recv())
        await asyncio.sleep(0)
        frames.put_nowait(6)
        packet = await asyncio.wait_for(reading, TIMEOUT)
        assert encodes == [0, 6 * 960] and packet.pts is not None
    finally:
        await shared.close()
