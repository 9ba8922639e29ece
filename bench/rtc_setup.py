"""Media set-up on loopback: offer → first decoded video frame, with and without Jingle signalling.

Two aiortc peer connections from meetroom.media.rtc (ICE host 127.0.0.1 only, no STUN/TURN)
connect in one process; the caller sends 640x360 frames. Each run is timed from createOffer to
the first frame the callee decodes. The baseline hands aiortc's SDP straight across; the figure
sends it through SDP → Jingle XML text → SDP both ways, as calls will. Also times the translation
itself beside aiortc's own SDP parse+serialise of the same text.

    python bench/rtc_setup.py [--runs 20]

Target (issue 5): first remote frame well under 1.5 s after the call starts. Not a test: it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import av
import numpy as np
from aiortc import AudioStreamTrack, MediaStreamTrack, RTCSessionDescription, VideoStreamTrack
from aiortc import sdp as aiortc_sdp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from meetroom.media.rtc import IcePolicy, create_peer_connection
from meetroom.net.jingle import jingle_to_sdp, sdp_to_jingle

POLICY = IcePolicy(hosts=("127.0.0.1",))


class Pattern(VideoStreamTrack):
    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        image = np.full((360, 640, 3), (pts // 3000) % 256, dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts, frame.time_base = pts, time_base
        return frame


def through_jingle(sdp: str, action: str) -> str:
    wire = ET.tostring(sdp_to_jingle(sdp, sid="bench", action=action))
    return jingle_to_sdp(ET.fromstring(wire), candidate_filter=POLICY.allows_remote, end_of_candidates=True)


async def one_call(jingle: bool) -> float:
    caller, callee = create_peer_connection(policy=POLICY), create_peer_connection(policy=POLICY)
    got: asyncio.Future[MediaStreamTrack] = asyncio.get_running_loop().create_future()
    callee.on("track", lambda track: track.kind == "video" and got.set_result(track))
    try:
        caller.addTrack(AudioStreamTrack())
        caller.addTrack(Pattern())
        start = time.perf_counter()
        await caller.setLocalDescription(await caller.createOffer())
        offer = caller.localDescription.sdp
        await callee.setRemoteDescription(
            RTCSessionDescription(through_jingle(offer, "session-initiate") if jingle else offer, "offer")
        )
        await callee.setLocalDescription(await callee.createAnswer())
        answer = callee.localDescription.sdp
        await caller.setRemoteDescription(
            RTCSessionDescription(through_jingle(answer, "session-accept") if jingle else answer, "answer")
        )
        track = await asyncio.wait_for(got, 10)
        await asyncio.wait_for(track.recv(), 10)
        return time.perf_counter() - start
    finally:
        await caller.close()
        await callee.close()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def row(name: str, values: list[float], unit: float, suffix: str) -> str:
    return (
        f"{name:<34} p50 {pct(values, 0.5) * unit:8.2f} {suffix}   p99 {pct(values, 0.99) * unit:8.2f} {suffix}"
        f"   mean {statistics.fmean(values) * unit:8.2f} {suffix}"
    )


def translation_times(sdp: str, repeat: int) -> tuple[list[float], list[float]]:
    ours, base = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        through_jingle(sdp, "session-initiate")
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        str(aiortc_sdp.SessionDescription.parse(sdp))
        base.append(time.perf_counter() - t)
    return ours, base


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    direct, jingle = [], []
    await one_call(False)  # warm up codecs and imports
    for _ in range(args.runs):  # interleave so both see the same machine load
        direct.append(await one_call(False))
        jingle.append(await one_call(True))
    print(f"offer → first 640x360 frame on 127.0.0.1, {args.runs} calls each")
    print(row("baseline: SDP handed across", direct, 1000, "ms"))
    print(row("meetroom: SDP → Jingle XML → SDP", jingle, 1000, "ms"))

    fixtures = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
    for name in ("aiortc_offer.sdp", "chromium_offer.sdp"):
        text = "\r\n".join(x for x in (fixtures / name).read_text().splitlines() if not x.startswith("#")) + "\r\n"
        ours, base = translation_times(text, 300)
        print(f"translation of {name} ({len(text)} bytes), 300 times")
        print(row("baseline: aiortc parse + serialise", base, 1e6, "us"))
        print(row("meetroom: SDP → Jingle XML → SDP", ours, 1e6, "us"))


if __name__ == "__main__":
    asyncio.run(main())
