"""The media of one call: an aiortc peer connection carrying the room's camera and microphone.

Decoded remote video goes to the frame store under the peer's InstanceId (so /frames/ serves
it); remote audio is measured (getConferenceParticipants reports it as `audioLevel`) and played
on the selected loudspeaker. A watchdog notices a peer that stopped sending: aioice's consent
checks alone would take about 30 s to declare a dead link. The video encoder's target follows the
link estimate and reported loss under the room's `outputBandWidth` (meetroom.calls.bitrate); received
video recovers from unrepaired loss (meetroom.calls.loss).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiortc import RTCIceCandidate, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from meetroom.calls.bitrate import BitrateGovernor
from meetroom.calls.loss import recovering
from meetroom.calls.playback import Playback
from meetroom.media.audio import rms
from meetroom.media.rtc import IcePolicy, create_peer_connection

if TYPE_CHECKING:
    from meetroom.core.settings import Settings
    from meetroom.media.manager import Media

log = logging.getLogger(__name__)

SILENCE_LIMIT = 3.0  # seconds without any remote media before the peer counts as gone
BITRATE_PERIOD = 1.0  # seconds per outgoing-bitrate measurement


class CallMedia:
    def __init__(
        self,
        media: Media,
        settings: Settings,
        policy: IcePolicy,
        on_lost: Callable[[str], None],
        audio: MediaStreamTrack | None = None,  # sent instead of its own microphone track (a conference shares one)
        video: MediaStreamTrack | None = None,  # sent instead of its own camera track (a conference shares one)
    ) -> None:
        self.media = media  # the room's devices, mutes and frame store
        self.settings = settings
        self.pc = create_peer_connection(policy=policy)
        self.governor = BitrateGovernor(int(settings.get("outputBandWidth")))
        self.peer_id = ""  # frame store key, set once the answering instance is known
        self.on_lost = on_lost
        self.connected = asyncio.Event()
        self.first_frame = asyncio.Event()
        self.receive = {"audio": True, "video": True}
        self.audio_gain = 100
        self.audio_level = 0.0
        self.video_frames = 0
        self.last_media = 0.0
        self.bitrate = 0  # kbit/s sent (audio + video RTP payload), measured
        self.video_bitrate = 0
        self.on_bitrate: Callable[[int], None] | None = None
        self.audio_taps: list[Callable[[Any], None]] = []  # each received audio frame (a recording mixes it)
        self.video_claims: list[Callable[[MediaStreamTrack], bool]] = []  # a second video read elsewhere (content)
        self._tasks: list[asyncio.Task] = []
        self._tracks: list[MediaStreamTrack] = []
        self._closed = False
        self._remote_described = False
        self._early_candidates: list[RTCIceCandidate] = []  # trickled before the remote description
        self.pc.on("track", self._on_track)
        self.pc.on("connectionstatechange", self._on_state)
        with recovering(prompt=True):  # aiortc creates the receivers (and their jitter buffers) here
            audio = audio if audio is not None else media.microphone_track()
            for track in (audio, video if video is not None else media.camera_track()):
                self._tracks.append(track)
                self.pc.addTrack(track)

    # --- negotiation --------------------------------------------------------------------
    # aiortc starts the senders inside these calls; the governor's scope makes their VP8 encoder ours.
    async def offer(self) -> str:
        with self.governor.scope():
            await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.pc.localDescription.sdp

    async def answer(self, offer_sdp: str) -> str:
        with self.governor.scope(), recovering(prompt=True):
            await self.pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
            await self.pc.setLocalDescription(await self.pc.createAnswer())
        await self._remote_description_set()
        return self.pc.localDescription.sdp

    async def accept_answer(self, answer_sdp: str) -> None:
        with self.governor.scope():
            await self.pc.setRemoteDescription(RTCSessionDescription(answer_sdp, "answer"))
        await self._remote_description_set()

    async def add_remote_candidates(self, candidates: list[RTCIceCandidate]) -> None:
        """Trickled candidates (transport-info). Before the remote description aiortc has no
        transport to give them to (mids and BUNDLE are unknown), so they wait for it here."""
        if not self._remote_described:
            self._early_candidates.extend(candidates)
            return
        first_mid = next(iter(self.mids().values()), None)  # aiortc ignores a bundled secondary mid's
        for candidate in candidates:
            candidate.sdpMid = first_mid or candidate.sdpMid
            with contextlib.suppress(Exception):
                await self.pc.addIceCandidate(candidate)

    async def _remote_description_set(self) -> None:
        self._remote_described = True
        early, self._early_candidates = self._early_candidates, []
        await self.add_remote_candidates(early)

    def set_output_bandwidth(self, kbps: int) -> None:
        """A new outputBandWidth during the call: the encoder rebuilds at the new target on its next frame."""
        self.governor.set_output_bandwidth(kbps)

    def mids(self) -> dict[str, str]:
        """Content name (SDP mid) of our audio and video, for session-info mute/unmute."""
        out = {}
        for transceiver in self.pc.getTransceivers():
            if transceiver.mid is not None:
                out.setdefault(transceiver.kind, transceiver.mid)
        return out

    def _on_state(self) -> None:
        state = self.pc.connectionState
        if state == "connected" and not self.connected.is_set():
            self.last_media = time.monotonic()
            self.connected.set()
            self._tasks.append(asyncio.ensure_future(self._watchdog()))
            self._tasks.append(asyncio.ensure_future(self._measure_bitrate()))
        elif state in ("failed", "closed") and not self._closed:
            self.on_lost(f"peer connection {state}")

    # --- receiving ----------------------------------------------------------------------
    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video" and any(claim(track) for claim in self.video_claims):
            return
        reader = self._read_video if track.kind == "video" else self._read_audio
        self._tasks.append(asyncio.ensure_future(reader(track)))

    async def _read_video(self, track: MediaStreamTrack) -> None:
        frames = self.media.frames
        with contextlib.suppress(MediaStreamError, asyncio.CancelledError):
            while True:
                frame = await track.recv()
                self.last_media = time.monotonic()
                self.video_frames += 1
                if self.receive["video"] and self.peer_id:
                    frames.put(self.peer_id, frame)
                    self.first_frame.set()

    def _speaker(self) -> Playback | None:
        """Playback on the selected loudspeaker; the virtual (null) speaker plays nothing."""
        speaker = self.media.current("speaker")
        if speaker is None or speaker.virtual:
            return None
        return Playback(speaker.path)

    async def _read_audio(self, track: MediaStreamTrack) -> None:
        level = 0.0
        playback = self._speaker()
        media, settings = self.media, self.settings
        try:
            while True:
                frame = await track.recv()
                self.last_media = time.monotonic()
                if not self.receive["audio"]:
                    self.audio_level = 0.0
                    continue
                for tap in self.audio_taps:
                    tap(frame)
                media.heard(self.peer_id, frame)
                level = 0.8 * level + 0.2 * rms(frame.to_ndarray()) * self.audio_gain / 100
                self.audio_level = level
                if playback is not None and not media.mutes["speaker"]:
                    playback.push(frame, float(settings.get("audioPlayLevel")) * self.audio_gain / 100)
        except (MediaStreamError, asyncio.CancelledError):
            pass
        finally:
            if playback is not None:
                playback.close()

    # --- health and statistics ------------------------------------------------------------
    async def _watchdog(self) -> None:
        while not self._closed:
            await asyncio.sleep(0.5)
            if time.monotonic() - self.last_media > SILENCE_LIMIT:
                self.on_lost(f"no media from the peer for {SILENCE_LIMIT:g} s")
                return

    async def _measure_bitrate(self) -> None:
        before: tuple[float, dict[str, int]] | None = None
        last_report: Any = None
        while not self._closed:
            sent, loss = await self._read_stats()
            now = time.monotonic()
            if loss is not None and loss[0] != last_report:
                last_report = loss[0]
                self.governor.note_loss(loss[1])
            if before is not None and now > before[0]:
                seconds = now - before[0]
                rate = {kind: int((n - before[1].get(kind, 0)) * 8 / seconds / 1000) for kind, n in sent.items()}
                self.video_bitrate = rate.get("video", 0)
                kbps = sum(rate.values())
                if abs(kbps - self.bitrate) >= max(10, self.bitrate // 10):
                    self.bitrate = kbps
                    log.info("outgoing bitrate %s", self.bitrate_state())
                    if self.on_bitrate is not None:
                        self.on_bitrate(kbps)
                else:
                    self.bitrate = kbps
            before = (now, sent)
            await asyncio.sleep(BITRATE_PERIOD)

    async def _read_stats(self) -> tuple[dict[str, int], tuple[Any, float] | None]:
        """RTP payload bytes sent so far per media kind, and the peer's latest loss report on our video."""
        total: dict[str, int] = {}
        loss = None
        with contextlib.suppress(Exception):
            stats = await self.pc.getStats()
            for report in stats.values():
                kind = str(getattr(report, "kind", ""))
                if getattr(report, "type", "") == "outbound-rtp":
                    total[kind] = total.get(kind, 0) + int(getattr(report, "bytesSent", 0) or 0)
                elif getattr(report, "type", "") == "remote-inbound-rtp" and kind == "video":
                    loss = (report.timestamp, int(report.fractionLost or 0) / 256)  # RTCP's 8-bit fraction
        return total, loss

    def bitrate_state(self) -> dict[str, int]:
        """The encoder's target and its inputs in kbit/s (logged; tests/support/poor_link_driver.py reads it)."""
        g = self.governor
        return {
            "measured": self.bitrate,
            "video": self.video_bitrate,
            "target": g.target_bps // 1000,
            "estimate": g.estimate_bps // 1000,
            "ceiling": g.ceiling_bps // 1000,
            "loss_cap": g.loss_cap_bps // 1000,
            "encoders": g.attached,
        }

    def stats(self) -> dict[str, Any]:
        return {"audioLevel": round(self.audio_level, 4), "videoFrames": self.video_frames}

    # --- end ------------------------------------------------------------------------------
    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for task in self._tasks:
            if task is not asyncio.current_task():
                task.cancel()
        for track in self._tracks:
            track.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.pc.close(), 5.0)
        if self.peer_id:
            self.media.forget_peer_frames(self.peer_id)
