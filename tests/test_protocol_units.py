"""Request rules of the control protocol, checked in-process on a Room's dispatcher (no socket)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from meetroom.api.session import Session
from meetroom.app import Room
from tests.support.inprocess import build_room, request


@pytest.fixture
async def room(tmp_path) -> AsyncIterator[Room]:
    built = build_room(tmp_path)
    yield built
    built.store.close()


async def _authorised(room: Room, session: Session) -> Session:
    assert (await room.dispatcher.dispatch(session, request("auth", type="unsecured")))["result"] is True
    return session


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "invalid JSON"),
        ("[1,2,3]", "JSON object"),
        ('"getAppState"', "JSON object"),
        ("42", "JSON object"),
        ("NaN", "invalid JSON"),
        ('{"method":"getAppState","x":1e999}', "invalid JSON"),
        ('{"requestId":"x"}', "method"),
        ('{"method":17}', "method"),
        ('{"method":""}', "method"),
        ('{"method":"noSuchCommand"}', "unknown method"),
        ('{"method":"event"}', "unknown method"),
        ('{"method":"getAppState","requestId":{"a":1}}', "requestId"),
    ],
)
async def test_bad_frames_get_error_replies_with_method_and_request_id(room, session, text, expected):
    await _authorised(room, session)
    reply = await room.dispatcher.dispatch(session, text)
    assert reply["result"] is False
    assert expected in reply["error"], reply
    assert "method" in reply and "requestId" in reply


async def test_wrong_parameter_types_are_refused_and_change_nothing(room, session):
    await _authorised(room, session)
    before = await room.dispatcher.dispatch(session, request("getSettings"))
    for params in ({"settings": "showTime=false"}, {"settings": ["showTime"]}, {}):
        reply = await room.dispatcher.dispatch(session, request("setSettings", **params))
        assert reply["result"] is False and "settings" in reply["error"]
    reply = await room.dispatcher.dispatch(session, request("fireMyEvent", data=5))
    assert reply["result"] is False and "'data' must be string" in reply["error"]
    after = await room.dispatcher.dispatch(session, request("getSettings"))
    assert after["settings"] == before["settings"]


async def test_unimplemented_spec_command_says_so(room, session):
    await _authorised(room, session)
    missing = next(c.name for c in room.registry.all_commands() if not c.implemented and not c.admin_only)
    reply = await room.dispatcher.dispatch(session, request(missing))
    assert reply["result"] is False
    assert "not available in meetroom yet" in reply["error"]


async def test_nothing_runs_before_auth(room, session):
    for method, params in (("getAppState", {}), ("fireMyEvent", {"data": "x"}), ("setSettings", {"settings": {}})):
        reply = await room.dispatcher.dispatch(session, request(method, **params))
        assert reply["result"] is False and "send 'auth' first" in reply["error"]
    assert (await room.dispatcher.dispatch(session, request("setUsedApiVersion", version="1")))["result"] is True
    await _authorised(room, session)
    assert (await room.dispatcher.dispatch(session, request("getAppState")))["result"] is True


@pytest.mark.parametrize(
    ("version", "ok"), [("1", True), ("2", True), (2, True), ("3", False), ("", False), ("v1", False), (True, False)]
)
async def test_set_used_api_version(room, session, version, ok):
    reply = await room.dispatcher.dispatch(session, request("setUsedApiVersion", version=version))
    assert reply["result"] is ok, reply
    if not ok:
        assert "version" in reply["error"]
