"""GET /metrics: the room's state in the Prometheus text format, read from the services at scrape time.

Every value that already lives in a service (app state, call phase, bitrates, sessions, auth
failures, pending connections) is read when Prometheus asks, so nothing can drift out of step.
What no service keeps is kept here: calls counted as they start, frame rates sampled on the loop
monitor's tick, and the conference participant gauge (`RoomMetrics.conference_participants.set(n)`),
which the conference code sets. The registry is the room's own, never prometheus_client's
global one, so several rooms in one process each report only themselves; prometheus_client is
imported at the first scrape, so a room nobody scrapes does not load it.

Like /frames/ it wants a `token` (getTokenForHttpServer), unless the administrator set
`allowMetricsWithoutToken`, which opens /metrics and /health to anyone who can reach the port.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from meetroom.calls.phase import Phase
from meetroom.core.appstate import AppState
from meetroom.core.looplag import LoopMonitor
from meetroom.web.httpauth import refuse_without_token

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry
    from prometheus_client.core import Metric

    from meetroom.api.events import EventBus
    from meetroom.calls.manager import CallManager
    from meetroom.core.access import AccessControl
    from meetroom.core.appstate import AppStateMachine
    from meetroom.core.settings import Settings
    from meetroom.media.manager import Media
    from meetroom.web.guard import ConnectionGuard
    from meetroom.web.surface import RoomSurface

OPEN_SETTING = "allowMetricsWithoutToken"
FPS_PERIOD = 1.0  # seconds a frame-rate sample covers at least
PHASES = ("idle", *(p.value for p in Phase if p is not Phase.ENDED))


@dataclass
class _Rate:
    """Frames per second of one counter, from its growth between samples at least FPS_PERIOD apart."""

    count: int = 0
    at: float = 0.0
    fps: float = 0.0
    total: int = 0  # frames seen since start, across calls (the counter a call's media restarts)

    def sample(self, count: int, now: float) -> None:
        if self.at == 0.0:
            self.count, self.at = count, now
            return
        if now - self.at < FPS_PERIOD:
            return
        grown = count - self.count if count >= self.count else count  # a new call restarted the count
        self.total += grown
        self.fps = grown / (now - self.at)
        self.count, self.at = count, now


class RoomMetrics:
    """The room's Prometheus registry and the few values only it keeps."""

    def __init__(
        self,
        facts: dict[str, str],
        appstate: AppStateMachine,
        calls: CallManager,
        media: Media,
        bus: EventBus,
        access: AccessControl,
        guard: ConnectionGuard,
        loop: LoopMonitor,
    ) -> None:
        self.facts = facts  # version, instance, product, service: the meetroom_info labels
        self.appstate, self.calls, self.media = appstate, calls, media
        self.bus, self.access, self.guard, self.loop = bus, access, guard, loop
        self.calls_total = {"incoming": 0, "outgoing": 0}  # calls that reached the conference state
        self.conference_participants = Level()  # set by the conference code
        self.self_video = _Rate()
        self.remote_video = _Rate()
        self.incoming_bytes = _Rate()  # bytes received by the call's transports, per second
        self._stats: asyncio.Task[None] | None = None
        self._in_conference = False
        self._registry: CollectorRegistry | None = None
        appstate.on_change(self._state_changed)
        loop.add_sampler(self._sample)

    def exposition(self) -> tuple[bytes, str]:
        """The text format and its content type; prometheus_client is loaded at the first scrape."""
        from prometheus_client import CollectorRegistry
        from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
        from prometheus_client.process_collector import ProcessCollector

        if self._registry is None:
            self._registry = CollectorRegistry(auto_describe=True)
            ProcessCollector(registry=self._registry)  # process_resident_memory_bytes, CPU, open files
            self._registry.register(_LiveCollector(self))
        return generate_latest(self._registry), CONTENT_TYPE_LATEST

    def _state_changed(self, snapshot: dict[str, Any]) -> None:
        in_conference = snapshot.get("appState") == AppState.CONFERENCE
        if in_conference and not self._in_conference:
            call = self.calls.call
            direction = "outgoing" if call is not None and call.outgoing else "incoming"
            self.calls_total[direction] += 1
        self._in_conference = in_conference

    def _call_media(self) -> Any:
        call = self.calls.call
        return call.media if call is not None and call.phase is Phase.ACTIVE else None

    def _sample(self, now: float) -> None:
        self.self_video.sample(self.media.capture.frames, now)
        media = self._call_media()
        self.remote_video.sample(media.video_frames if media is not None else 0, now)
        if media is not None and (self._stats is None or self._stats.done()):
            self._stats = asyncio.ensure_future(self._read_incoming(media))

    async def _read_incoming(self, media: Any) -> None:
        """What the call receives: the bytes of its transports (aiortc's inbound-rtp stats count no bytes)."""
        try:
            stats = await media.pc.getStats()
        except Exception:  # a call closing under us
            return
        received = sum(
            int(getattr(r, "bytesReceived", 0) or 0) for r in stats.values() if getattr(r, "type", "") == "transport"
        )
        self.incoming_bytes.sample(received, time.monotonic())

    def families(self) -> Iterator[Metric]:
        """The values read from the services, at scrape time."""
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily

        info = InfoMetricFamily("meetroom", "The room's version, instance, product and how it runs")
        info.add_metric([], self.facts)
        yield info
        yield GaugeMetricFamily(
            "meetroom_app_state",
            "appState: 0 no server .. 3 idle, 4 call pending, 5 in conference",
            int(self.appstate.state),
        )
        calls = CounterMetricFamily("meetroom_calls", "Calls that got connected, by direction", labels=["direction"])
        for direction, count in self.calls_total.items():
            calls.add_metric([direction], count)
        yield calls
        yield GaugeMetricFamily(
            "meetroom_conference_participants",
            "Participants of the group conference the room is in (0 outside one)",
            self.conference_participants.value,
        )
        call = self.calls.call
        current = call.phase.value if call is not None and call.phase is not Phase.ENDED else "idle"
        phase = GaugeMetricFamily("meetroom_call_phase", "1 for the phase the current call is in", labels=["phase"])
        for name in PHASES:
            phase.add_metric([name], 1.0 if name == current else 0.0)
        yield phase
        media = self._call_media()
        yield GaugeMetricFamily(
            "meetroom_outgoing_bitrate_kbps",
            "Audio and video sent in the call, kbit/s (0 outside a call)",
            media.bitrate if media is not None else 0,
        )
        yield GaugeMetricFamily(
            "meetroom_incoming_bitrate_kbps",
            "Received in the call (media with its RTCP/DTLS framing), kbit/s (0 outside a call)",
            round(self.incoming_bytes.fps * 8 / 1000) if media is not None else 0,
        )
        yield GaugeMetricFamily(
            "meetroom_outgoing_video_bitrate_kbps",
            "Video sent in the call, kbit/s",
            media.video_bitrate if media is not None else 0,
        )
        yield GaugeMetricFamily(
            "meetroom_video_encoder_target_kbps",
            "The video encoder's current target, kbit/s",
            media.governor.target_bps // 1000 if media is not None else 0,
        )
        fps = GaugeMetricFamily("meetroom_video_fps", "Video frames per second by stream", labels=["stream"])
        fps.add_metric(["self"], round(self.self_video.fps, 2))
        fps.add_metric(["remote"], round(self.remote_video.fps, 2) if media is not None else 0.0)
        yield fps
        frames = CounterMetricFamily("meetroom_video_frames", "Video frames produced or received", labels=["stream"])
        frames.add_metric(["self"], self.media.capture.frames)
        frames.add_metric(["remote"], self.remote_video.total)
        yield frames
        sessions = GaugeMetricFamily("meetroom_api_sessions", "WebSocket API connections by role", labels=["role"])
        roles = [s.role or "unauthenticated" for s in self.bus.sessions]
        for role in ("admin", "user", "unauthenticated"):
            sessions.add_metric([role], roles.count(role))
        yield sessions
        yield CounterMetricFamily(
            "meetroom_auth_failures", "Failed credential checks (auth)", self.access.failures_total
        )
        yield CounterMetricFamily(
            "meetroom_auth_refused",
            "Credentials refused unchecked while the room-wide failure budget was spent",
            self.access.refused_total,
        )
        yield GaugeMetricFamily(
            "meetroom_pending_connections", "Connections that have not authenticated yet", len(self.guard.pending)
        )
        yield GaugeMetricFamily("meetroom_event_loop_lag_seconds", "How late the latest loop tick ran", self.loop.lag)
        yield GaugeMetricFamily(
            "meetroom_event_loop_lag_max_seconds", "The largest loop lag of the last minute", self.loop.max_lag()
        )


class Level:
    """A value someone else keeps current (`set`, `inc`, `dec`), read at scrape time like a Prometheus gauge."""

    def __init__(self) -> None:
        self.value = 0.0

    def set(self, value: float) -> None:
        self.value = float(value)

    def inc(self, amount: float = 1.0) -> None:
        self.value += amount

    def dec(self, amount: float = 1.0) -> None:
        self.value -= amount


class _LiveCollector:
    def __init__(self, metrics: RoomMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        return self.metrics.families()


def refuse_unless_open(room: RoomSurface, settings: Settings, request: web.Request) -> web.Response | None:
    """/metrics and /health: None when the request may see them (the setting, or a valid token)."""
    if settings.get(OPEN_SETTING):
        return None
    return refuse_without_token(room, request)


def install(room: RoomSurface, app: web.Application) -> None:
    async def metrics(request: web.Request) -> web.Response:
        refused = refuse_unless_open(room, room.settings, request)
        if refused is not None:
            return refused
        body, content_type = room.metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type, "Cache-Control": "no-store"})

    app.router.add_get("/metrics", metrics)
