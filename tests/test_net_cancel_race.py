"""A cancel that races the server connect's result is not lost (net/probe.py, core/tasks.py).

Found on shutdown: Prosody stopped at the moment the room did, the connect was refused in the
same loop step as the room's cancel, Python 3.11's wait_for handed back the refusal instead of
the cancel, and the connect loop retried forever while `close()` waited for it. In process:
`asyncio.open_connection` stands in for that exact moment (a refusal with a cancel already
delivered), which no real server can be made to time.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from meetroom.net import probe


async def _attempt_then_back_off() -> str:
    """The shape of NetworkService._connect_loop: a refused connect is followed by a backoff."""
    with contextlib.suppress(probe.ProbeError):
        await probe.open_stream("127.0.0.1", 9, "localhost", timeout=5)
    await asyncio.sleep(30)
    return "went on retrying"


async def test_a_cancel_delivered_as_the_connect_is_refused_ends_the_connect_loop(monkeypatch):
    attempt: asyncio.Task[str] | None = None

    async def refused_just_as_the_room_closes(host: str, port: int):
        assert attempt is not None
        attempt.cancel()
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(probe.asyncio, "open_connection", refused_just_as_the_room_closes)
    attempt = asyncio.create_task(_attempt_then_back_off())
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(attempt, 5)
    assert attempt.cancelled()


async def test_a_refused_connect_is_still_reported_as_unreachable(monkeypatch):
    async def refused(host: str, port: int):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(probe.asyncio, "open_connection", refused)
    with pytest.raises(probe.ProbeError) as caught:
        await probe.open_stream("127.0.0.1", 9, "localhost", timeout=5)
    assert caught.value.condition == "unreachable"
    assert caught.value.reason == "cannot reach 127.0.0.1:9: Connection refused"
