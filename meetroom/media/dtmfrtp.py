"""RFC 4733 telephone-event in a call's audio stream: negotiated, sent and read with aiortc.

aiortc has no DTMF of its own, so this module adds the three pieces:

- negotiation: `telephone-event/48000` (the clock of Opus, which the room sends) and
  `telephone-event/8000` (the clock of G.711, what SIP gateways pair with PCMU/PCMA) join aiortc's
  audio codecs, so offers and answers carry them whenever the other side offers them too;
- sending: the events are RTP packets of the audio sender's own SSRC and timestamp clock. aiortc
  numbers the audio packets itself, so the sender's transport gets a thin shim that shifts the
  sequence number of every later audio packet by the number of event packets put in between
  (RFC 3550: one sequence space per SSRC) and remembers the last audio timestamp;
- receiving: the audio receiver gets a shim that takes the event packets out before the decoder
  (which knows no such codec), numbers the audio after them down so its jitter buffer sees no
  gap, and reports each new event (new timestamp) once, in order.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiortc.codecs import CODECS
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

MIME = "audio/telephone-event"
PAYLOAD_TYPES = {48000: 110, 8000: 126}  # free in aiortc's table (audio 0/8/9/96, video 97-102)
EVENTS = "0123456789*#ABCD"  # RFC 4733 §3.2: events 0-15
UPDATE_SECONDS = 0.04  # an event's packets go out this often while the key is "pressed"
END_COPIES = 3  # the end packet is sent three times (RFC 4733 §2.5.1.4)
VOLUME = 10  # -10 dBm0


def negotiate(enabled: bool) -> None:
    """Offer/accept telephone-event in calls made from now on (idempotent; process-wide in aiortc)."""
    audio = CODECS["audio"]
    audio[:] = [c for c in audio if c.mimeType.lower() != MIME]
    if enabled:
        for clock, pt in PAYLOAD_TYPES.items():
            audio.append(RTCRtpCodecParameters(mimeType=MIME, clockRate=clock, channels=1, payloadType=pt))


def event_payload(symbol: str, duration: int, end: bool) -> bytes:
    """The 4-byte RFC 4733 payload: event, E bit + volume, duration in timestamp units."""
    return struct.pack("!BBH", EVENTS.index(symbol), (0x80 if end else 0) | VOLUME, min(duration, 0xFFFF))


def read_event(payload: bytes) -> tuple[str, bool] | None:
    """(symbol, end bit) of an event payload; None for events that are not DTMF keys."""
    if len(payload) < 4 or payload[0] >= len(EVENTS):
        return None
    return EVENTS[payload[0]], bool(payload[1] & 0x80)


def _audio_transceiver(pc: Any) -> Any:
    return next((t for t in pc.getTransceivers() if t.kind == "audio"), None)


def _event_types(transceiver: Any) -> dict[int, int]:
    """Negotiated telephone-event payload types of a transceiver: payload type -> clock rate."""
    return {c.payloadType: c.clockRate for c in transceiver._codecs if c.mimeType.lower() == MIME}


@dataclass
class _Numbering:
    """What the send shim knows of the audio stream."""

    offset: int = 0  # event packets inserted so far
    last_seq: int | None = None  # the last sequence number that went out (after the shift)
    last_timestamp: int | None = None


class ToneSender:
    """Sends DTMF as telephone-event packets in one peer connection's audio stream."""

    def __init__(self, transport: Any, ssrc: int, payload_type: int, clock: int) -> None:
        self.transport, self.ssrc, self.payload_type, self.clock = transport, ssrc, payload_type, clock
        self._numbering = _Numbering()
        self._lock = asyncio.Lock()
        self._flowing = asyncio.Event()  # an audio packet went through the shim: its numbers are known
        self._send = transport._send_rtp
        transport._send_rtp = self._shifted

    @classmethod
    def for_connection(cls, pc: Any) -> ToneSender | None:
        """The sender for `pc`, when the peer negotiated telephone-event at the audio codec's clock."""
        transceiver = _audio_transceiver(pc)
        if transceiver is None or not transceiver._codecs or transceiver.sender.transport is None:
            return None
        clock = transceiver._codecs[0].clockRate
        types = [pt for pt, rate in _event_types(transceiver).items() if rate == clock]
        if not types:
            return None
        return cls(transceiver.sender.transport, transceiver.sender._ssrc, types[0], clock)

    async def _shifted(self, data: bytes) -> None:
        if len(data) >= 12 and not 192 <= data[1] <= 223 and struct.unpack_from("!I", data, 8)[0] == self.ssrc:
            numbering = self._numbering
            seq = (struct.unpack_from("!H", data, 2)[0] + numbering.offset) & 0xFFFF
            numbering.last_seq = seq
            numbering.last_timestamp = struct.unpack_from("!I", data, 4)[0]
            data = data[:2] + struct.pack("!H", seq) + data[4:]
            self._flowing.set()
        await self._send(data)

    async def _packet(self, marker: bool, timestamp: int, payload: bytes) -> None:
        numbering = self._numbering
        seq = ((numbering.last_seq if numbering.last_seq is not None else 0) + 1) & 0xFFFF
        numbering.last_seq = seq
        numbering.offset += 1
        header = struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | self.payload_type, seq, timestamp, self.ssrc)
        await self._send(header + payload)

    async def send(self, symbol: str, duration_ms: int) -> None:
        """One key press: updates while it lasts, then the end packet three times (RFC 4733 §2.5)."""
        async with self._lock:
            # the events continue the audio's numbering (SRTP refuses an index it has passed)
            await asyncio.wait_for(self._flowing.wait(), 2.0)
            frame = self.clock // 50  # 20 ms of the audio clock
            last = self._numbering.last_timestamp
            timestamp = ((last if last is not None else 0) + frame) & 0xFFFFFFFF
            total = self.clock * duration_ms // 1000
            step = int(self.clock * UPDATE_SECONDS)
            elapsed, marker = 0, True
            while elapsed < total:
                elapsed = min(total, elapsed + step)
                await self._packet(marker, timestamp, event_payload(symbol, elapsed, end=False))
                marker = False
                await asyncio.sleep(UPDATE_SECONDS)
            for _ in range(END_COPIES):
                await self._packet(False, timestamp, event_payload(symbol, total, end=True))


def listen(pc: Any, on_symbol: Callable[[str], None]) -> bool:
    """Take telephone-event packets out of `pc`'s received audio, calling `on_symbol` once per key press.

    False when the peer did not negotiate telephone-event (nothing is changed then).
    """
    transceiver = _audio_transceiver(pc)
    if transceiver is None:
        return False
    types = set(_event_types(transceiver))
    if not types:
        return False
    receiver = transceiver.receiver
    original = receiver._handle_rtp_packet
    seen: set[tuple[int, int]] = set()  # (ssrc, timestamp) of events already reported
    removed: dict[int, int] = {}  # ssrc -> event packets taken out of its sequence so far

    async def handle(packet: Any, arrival_time_ms: int) -> None:
        if packet.payload_type not in types:
            # close the holes the events leave: aiortc's audio jitter buffer waits for a missing
            # sequence number until 16 packets (320 ms) have piled up behind it
            gap = removed.get(packet.ssrc, 0)
            if gap:
                packet.sequence_number = (packet.sequence_number - gap) & 0xFFFF
            await original(packet, arrival_time_ms)
            return
        removed[packet.ssrc] = removed.get(packet.ssrc, 0) + 1
        event = read_event(packet.payload)
        key = (packet.ssrc, packet.timestamp)
        if event is not None and key not in seen:
            seen.add(key)
            if len(seen) > 256:
                seen.clear()
                seen.add(key)
            on_symbol(event[0])

    receiver._handle_rtp_packet = handle
    return True
