"""The aiortc adapters of meetroom.calls.bitrate and meetroom.calls.loss, exercised without a call."""

from __future__ import annotations

import fractions

import aiortc.rtcrtpreceiver
import aiortc.rtcrtpsender
import numpy as np
from aiortc.codecs import vpx
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RtpPacket
from av import VideoFrame

from meetroom.calls import bitrate, loss
from meetroom.calls.bitrate import BitrateGovernor, GovernedVp8Encoder

VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=96)


def frame(pts: int = 0) -> VideoFrame:
    pixels = np.random.default_rng(pts).integers(0, 255, (360, 640, 3), dtype=np.uint8)
    out = VideoFrame.from_ndarray(pixels, format="rgb24")
    out.pts, out.time_base = pts, fractions.Fraction(1, 90000)
    return out


def test_ceiling_leaves_room_for_audio_and_never_goes_under_the_floor():
    governor = BitrateGovernor(150)
    assert governor.ceiling_bps == 150_000 - bitrate.AUDIO_BPS
    assert governor.target_bps == governor.ceiling_bps
    governor.set_output_bandwidth(64)
    assert governor.target_bps == bitrate.FLOOR_BPS
    governor.set_output_bandwidth(10240)
    assert governor.ceiling_bps == vpx.MAX_BITRATE


def test_target_drops_at_once_but_rises_only_after_a_pause(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(bitrate.time, "monotonic", lambda: clock[0])
    governor = BitrateGovernor(10240)
    governor.note_estimate(300_000)
    assert governor.target_bps == 300_000
    governor.note_estimate(285_000)  # a wobble under 10 %: the codec is not rebuilt for it
    assert governor.target_bps == 300_000
    governor.note_estimate(900_000)  # no rise right after a change
    assert governor.target_bps == 300_000
    clock[0] += bitrate.RISE_AFTER
    governor.note_estimate(900_000)
    assert governor.target_bps == 900_000
    governor.note_estimate(40_000)
    assert governor.target_bps == bitrate.FLOOR_BPS


def test_reported_loss_cuts_the_target_and_clean_reports_release_it():
    governor = BitrateGovernor(10240)
    governor.note_estimate(400_000)
    governor.note_loss(0.30)
    assert governor.target_bps == int(400_000 * 0.85)
    governor.note_loss(0.05)  # between the thresholds: hold
    assert governor.target_bps == int(400_000 * 0.85)
    for _ in range(30):
        governor.note_loss(0.0)
    assert governor.loss_cap_bps == vpx.MAX_BITRATE
    governor.note_loss(1.0)
    governor.note_loss(1.0)
    assert governor.target_bps == max(bitrate.FLOOR_BPS, int(int(400_000 * 0.85) * 0.25))


def test_encoder_follows_the_governor_and_shrinks_the_picture_for_low_targets():
    governor = BitrateGovernor(10240)
    encoder = GovernedVp8Encoder(governor)
    assert governor.attached == 1
    encoder.target_bitrate = 5_000_000  # what aiortc does with a REMB estimate
    assert governor.estimate_bps == 5_000_000 and encoder.target_bitrate == vpx.DEFAULT_BITRATE
    payloads, _ = encoder.encode(frame(0))
    assert payloads and (encoder.codec.width, encoder.codec.height) == (640, 360)
    governor.set_output_bandwidth(200)  # owner's cap: 152 kbit/s of video (48 for audio)
    assert encoder.target_bitrate == 152_000 and encoder._Vp8Encoder__target_bitrate == 152_000
    encoder.encode(frame(3000))
    assert (encoder.codec.width, encoder.codec.height, encoder.codec.bit_rate) == (320, 180, 152_000)
    governor.set_output_bandwidth(64)
    encoder.encode(frame(6000))
    assert (encoder.codec.width, encoder.codec.height) == (160, 90)


def test_only_governed_connections_get_the_governed_encoder():
    governor = BitrateGovernor(10240)
    with governor.scope():
        inside = aiortc.rtcrtpsender.get_encoder(VP8)
    outside = aiortc.rtcrtpsender.get_encoder(VP8)
    assert isinstance(inside, GovernedVp8Encoder)
    assert type(outside) is vpx.Vp8Encoder


def packet(seq: int, timestamp: int, marker: int = 1) -> RtpPacket:
    out = RtpPacket(payload_type=96, sequence_number=seq, timestamp=timestamp, marker=marker)
    out._data = b"x"  # type: ignore[attr-defined]  # what aiortc's depayloader leaves
    return out


def test_each_lost_packet_is_nacked_once():
    with loss.recovering():
        nacks = aiortc.rtcrtpreceiver.NackGenerator()
    assert isinstance(nacks, loss.OnceNackGenerator)
    for seq in (1, 2, 5):
        missed = nacks.add(packet(seq, seq))
    assert missed and nacks.missing == {3, 4}
    assert nacks.add(packet(7, 7)) and nacks.missing == {6}  # aiortc alone would ask for 3, 4, 6 again
    assert not nacks.add(packet(3, 3)) and nacks.missing == set()
    assert nacks._all == {4, 6}


def test_jitter_buffer_gives_up_on_a_hole_and_asks_for_a_key_frame(monkeypatch):
    clock = [10.0]
    monkeypatch.setattr(loss.time, "monotonic", lambda: clock[0])
    with loss.recovering():
        buffer = aiortc.rtcrtpreceiver.JitterBuffer(capacity=128, is_video=True)
    assert isinstance(buffer, loss.RecoveringJitterBuffer)
    assert buffer.add(packet(0, 0)) == (False, None)
    pli, first = buffer.add(packet(1, 3000))
    assert first is not None and not pli
    # packet 2 (frame 6000) is lost; later frames pile up behind it
    assert buffer.add(packet(3, 9000)) == (False, None)
    clock[0] += loss.STALL_SECONDS / 2
    assert buffer.add(packet(4, 12000)) == (False, None)
    clock[0] += loss.STALL_SECONDS
    pli, _ = buffer.add(packet(5, 15000))
    assert pli and buffer.skips == 1
    pli, resumed = buffer.add(packet(6, 18000))
    assert resumed is not None and not pli
    # outside the scope aiortc's own buffer is used
    assert type(aiortc.rtcrtpreceiver.JitterBuffer(capacity=128, is_video=True)) is not loss.RecoveringJitterBuffer


def test_prompt_buffer_hands_out_a_frame_at_its_marked_last_packet():
    with loss.recovering(prompt=True):
        buffer = aiortc.rtcrtpreceiver.JitterBuffer(capacity=128, is_video=True)
        audio = aiortc.rtcrtpreceiver.JitterBuffer(capacity=16, prefetch=4)
    assert isinstance(buffer, loss.PromptJitterBuffer)
    assert type(audio) is not loss.PromptJitterBuffer  # audio keeps its prefetch
    # a three-packet frame: nothing until its marked packet, then the frame at once (aiortc waits for the next)
    assert buffer.add(packet(10, 3000, marker=0)) == (False, None)
    assert buffer.add(packet(11, 3000, marker=0)) == (False, None)
    pli, frame = buffer.add(packet(12, 3000, marker=1))
    assert not pli and frame is not None and frame.data == b"xxx" and frame.timestamp == 3000
    # out of order: the marked packet first, the frame as soon as the gap is filled
    assert buffer.add(packet(13, 6000, marker=0)) == (False, None)
    assert buffer.add(packet(15, 6000, marker=1)) == (False, None)
    pli, frame = buffer.add(packet(14, 6000, marker=0))
    assert frame is not None and frame.data == b"xxx" and frame.timestamp == 6000
    # each frame comes out once, and on time
    for seq, timestamp in ((16, 9000), (17, 12000)):
        pli, frame = buffer.add(packet(seq, timestamp, marker=1))
        assert frame is not None and frame.timestamp == timestamp
    # a hole holds the frame back (the recovering buffer's rules then apply)
    assert buffer.add(packet(19, 15000, marker=1)) == (False, None)
    pli, frame = buffer.add(packet(18, 15000, marker=0))
    assert frame is not None and frame.data == b"xx"
