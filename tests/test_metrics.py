"""GET /metrics and GET /health against real rooms: token rule, the opening setting, values that follow the room."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import quote

from prometheus_client.parser import text_string_to_metric_families

from meetroom.core.looplag import LoopMonitor
from meetroom.web.health import api_answers
from tests.support.calls import connected_call, start_rooms, wait_state
from tests.support.media import get
from tests.support.ports import free_ports
from tests.support.prosody import prosody  # noqa: F401

OPEN = {"allowMetricsWithoutToken": True}


def url(port: int, path: str, token: str | None = None) -> str:
    return f"http://127.0.0.1:{port}{path}" + (f"?token={quote(token)}" if token else "")


async def scrape(port: int, token: str | None = None) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, parsed by prometheus_client's own parser: {(name, labels): value}."""
    status, body, headers = await get(url(port, "/metrics", token))
    assert status == 200, body
    assert headers["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


async def test_refused_without_token_open_with_token_or_setting(room_factory, connect, monkeypatch):
    for name in ("NOTIFY_SOCKET", "INVOCATION_ID"):  # the test runner may itself run under systemd
        monkeypatch.delenv(name, raising=False)
    room = room_factory("--pin", "2468")
    for path in ("/metrics", "/health"):
        status, body, _ = await get(url(room.http_port, path))
        assert status == 401 and b"token missing" in body
        status, body, _ = await get(url(room.http_port, path, "not-a-token"))
        assert status == 401 and b"token invalid" in body

    admin = await connect(room, pin="2468")
    samples = await scrape(room.http_port, admin.http_token)
    assert value(samples, "meetroom_app_state") == 0  # no server yet
    assert value(samples, "meetroom_call_phase", phase="idle") == 1
    assert value(samples, "meetroom_call_phase", phase="active") == 0
    assert value(samples, "meetroom_api_sessions", role="admin") == 1
    assert value(samples, "meetroom_conference_participants") == 0
    assert value(samples, "meetroom_auth_failures_total") == 0
    assert value(samples, "meetroom_info", instance="default", product="room", service="none", version="0.1.0") == 1
    assert value(samples, "process_resident_memory_bytes") > 10e6

    # a wrong PIN is counted; a second, unauthenticated connection shows as such
    stranger = await connect(room, auth=False)
    reply = await stranger.call("auth", type="secured", credentials="0000")
    assert reply["result"] is False
    samples = await scrape(room.http_port, admin.http_token)
    assert value(samples, "meetroom_auth_failures_total") == 1
    assert value(samples, "meetroom_api_sessions", role="unauthenticated") == 1

    # a user-mode connection may not open them; the administrator may
    user = await connect(room, role="user")
    refused = await user.call("setSettings", settings=OPEN)
    assert refused["result"] is False and "administrator" in refused["error"]
    assert value(await scrape(room.http_port, admin.http_token), "meetroom_api_sessions", role="user") == 1
    assert (await admin.call("setSettings", settings=OPEN))["result"] is True
    await scrape(room.http_port)  # no token needed any more
    status, body, _ = await get(url(room.http_port, "/health"))
    report = json.loads(body)
    assert status == 200, report
    assert report["status"] == "ok" and report["apiAnswers"] is True and report["problems"] == []
    assert report["apiPort"] == room.ws_port and report["appState"] == 0 and report["inCall"] is False
    assert report["service"] == "none" and report["version"] == "0.1.0"
    info = (await admin.call("getSystemInfo"))["serviceInfo"]  # meetroom's extension field
    assert info == {"runsAsService": False, "manager": "none", "unit": "", "watchdog": False}


async def test_values_follow_a_call(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    for room in (a, b):
        assert (await room.client.call("setSettings", settings=OPEN))["result"] is True
    before = await scrape(a.proc.http_port)
    assert value(before, "meetroom_app_state") == 3
    assert value(before, "meetroom_calls_total", direction="outgoing") == 0

    await connected_call(a, b)
    await wait_state(a.client, 5)
    deadline = asyncio.get_running_loop().time() + 10
    while True:  # bitrate and frame rates are measured once a second
        during = await scrape(a.proc.http_port)
        measured = (
            value(during, "meetroom_outgoing_bitrate_kbps") > 0
            and value(during, "meetroom_incoming_bitrate_kbps") > 0
            and value(during, "meetroom_video_fps", stream="remote") > 1
        )
        if measured or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.3)
    assert value(during, "meetroom_app_state") == 5
    assert value(during, "meetroom_call_phase", phase="active") == 1
    assert value(during, "meetroom_call_phase", phase="idle") == 0
    assert value(during, "meetroom_calls_total", direction="outgoing") == 1
    assert value(during, "meetroom_outgoing_bitrate_kbps") > 0
    assert value(during, "meetroom_incoming_bitrate_kbps") > 0
    assert value(during, "meetroom_video_fps", stream="remote") > 1
    assert value(during, "meetroom_video_fps", stream="self") > 1
    assert value(during, "meetroom_video_frames_total", stream="self") > 0
    callee = await scrape(b.proc.http_port)
    assert value(callee, "meetroom_calls_total", direction="incoming") == 1
    status, body, _ = await get(url(b.proc.http_port, "/health"))
    assert status == 200 and json.loads(body)["inCall"] is True

    assert (await a.client.call("hangUp"))["result"] is True
    await wait_state(a.client, 3)
    after = await scrape(a.proc.http_port)
    assert value(after, "meetroom_call_phase", phase="idle") == 1
    assert value(after, "meetroom_outgoing_bitrate_kbps") == 0
    assert value(after, "meetroom_incoming_bitrate_kbps") == 0
    assert value(after, "meetroom_calls_total", direction="outgoing") == 1
    assert value(after, "meetroom_video_frames_total", stream="remote") > 0


async def test_health_probe_fails_when_nothing_answers():
    (port,) = free_ports(1)
    answered, problem = await api_answers("127.0.0.1", port, timeout=1.0)
    assert answered is False and "did not answer" in problem


def test_loop_monitor_lag_window_and_samplers():
    now = [100.0]
    monitor = LoopMonitor(clock=lambda: now[0])
    seen: list[float] = []
    monitor.add_sampler(seen.append)
    monitor.note(100.5, 0.01)
    monitor.note(101.0, 1.5)
    monitor.note(101.5, -0.001)  # early wake-ups count as no lag
    assert monitor.lag == 0.0 and monitor.max_lag() == 1.5 and seen == [100.5, 101.0, 101.5]
    monitor.note(170.0, 0.02)  # the 1.5 s tick is older than the window now
    assert monitor.max_lag() == 0.02
    now[0] = 175.0
    assert monitor.silent_for() == 5.0


def test_conference_code_sets_the_participant_gauge(tmp_path):
    from meetroom.app import Room, RoomOptions

    room = Room(RoomOptions(host="127.0.0.1", data_dir=tmp_path))
    try:
        room.metrics.conference_participants.set(3)
        room.metrics.conference_participants.inc()
        body, content_type = room.metrics.exposition()
        assert content_type.startswith("text/plain")
        samples = {s.name: s.value for f in text_string_to_metric_families(body.decode()) for s in f.samples}
        assert samples["meetroom_conference_participants"] == 4
    finally:
        room.store.close()
