"""Bad input thrown at a live room process (hypothesis, bounded).

Rules checked: every text frame gets a reply with `result:false` and an `error` (or, for input no
WebSocket peer may send, that one connection is closed with the proper close code); the process
never crashes; a second control connection (a RoomClient in user mode) answers after every example;
the process is still alive at the end.

The fuzzing connection holds administrator mode so admin-only commands reach parameter checking.
Commands that legitimately stop the room or lock clients out are never fuzzed, even with wrong
parameters: shutdown, shutdownSystem, rebootSystem (stop the process or the machine), auth,
setAuthParams, clearTokens (change who may control the room, which would revoke the witness or the
fuzzer itself) and stopHttpServer, setHttpServerSettings (stop or move the discovery server).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from meetroom.api import catalog
from meetroom.client import RoomClient
from meetroom.commands import build_registry
from tests.support.process import RoomProcess
from tests.support.raw_ws import BINARY, CONTINUATION, TEXT, Closed, RawWebSocket
from tests.support.schema import SchemaRecorder

MAX_MESSAGE_BYTES = 1 << 20
NEVER_FUZZED = {
    "shutdown",
    "shutdownSystem",
    "rebootSystem",
    "auth",
    "setAuthParams",
    "clearTokens",
    "stopHttpServer",
    "setHttpServerSettings",
}
REGISTRY = build_registry()  # the live room's commands, so its parameter types are known
KNOWN_METHODS = {c.name for c in REGISTRY.all_commands()}
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


class Driver:
    """Runs the async clients on one loop in a thread, so hypothesis can drive them synchronously."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="fuzz-loop", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


class Wire:
    """The room under fuzz: an admin fuzzing connection and a user-mode witness."""

    def __init__(self, room: RoomProcess, driver: Driver) -> None:
        self.room = room
        self.driver = driver
        self.schema = SchemaRecorder()
        self.witness = RoomClient("127.0.0.1", room.http_port, on_message=self.schema, timeout=10)
        driver.run(self._open_witness())
        self.fuzzer = self.open_admin()

    async def _open_witness(self) -> None:
        await self.witness.connect()
        await self.witness.auth(None, "user")

    def open_admin(self) -> RawWebSocket:
        async def go() -> RawWebSocket:
            ws = await RawWebSocket.connect("127.0.0.1", self.room.ws_port)
            reply = await ws.exchange(json.dumps({"method": "auth", "type": "unsecured", "role": "admin"}))
            assert reply["result"] is True, reply
            return ws

        return self.driver.run(go())

    def exchange(self, text: str) -> dict[str, Any]:
        return self.driver.run(self.fuzzer.exchange(text))

    def raw(self, coro_factory: Any) -> Any:
        """Run `coro_factory(ws)` on a fresh, unauthorised raw connection, closed afterwards."""

        async def go() -> Any:
            ws = await RawWebSocket.connect("127.0.0.1", self.room.ws_port)
            try:
                return await coro_factory(ws)
            finally:
                await ws.close()

        return self.driver.run(go())

    def check_alive(self) -> None:
        """The process runs, the witness answers, the fuzzing connection still answers."""
        assert self.room.proc is not None and self.room.proc.poll() is None, self.room.text[-2000:]
        reply = self.driver.run(self.witness.call("getAppState"))
        assert reply["result"] is True and reply["appState"] in range(7), reply
        assert self.schema.problems == [], self.schema.problems


@pytest.fixture(scope="module")
def wire(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wire]:
    room = RoomProcess(Path(tmp_path_factory.mktemp("fuzz-room")), []).start()
    driver = Driver()
    try:
        wire = Wire(room, driver)
        yield wire
        wire.check_alive()
        driver.run(wire.witness.close())
        driver.run(wire.fuzzer.close())
    finally:
        driver.stop()
        room.stop()


def assert_refused(reply: dict[str, Any]) -> None:
    assert reply.get("result") is False, reply
    assert isinstance(reply.get("error"), str) and reply["error"], reply
    assert "method" in reply and "requestId" in reply, reply


def runs_a_real_command(text: str) -> bool:
    """True when a generated frame happens to be a well-formed call of a real command."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return False
    return isinstance(value, dict) and value.get("method") in KNOWN_METHODS


# --- strategies --------------------------------------------------------------------------------
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20,
)
REQUEST_IDS = st.text(max_size=30) | st.integers(min_value=-(2**53), max_value=2**53)

_TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "array<string>": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
}


def accepted(type_spec: str, value: Any) -> bool | None:
    """Whether a value fits a declared type; None when the type is not one we can reason about."""
    verdicts = []
    for alternative in type_spec.split("|"):
        check = _TYPE_CHECKS.get(alternative.strip())
        if check is None:
            return None
        verdicts.append(check(value))
    return any(verdicts)


def _typed_params(name: str) -> dict[str, str]:
    """The parameter types the live room enforces (its registry), else the spec's catalog."""
    cmd = REGISTRY.lookup(name)
    if cmd is not None and cmd.implemented:
        return {p: t for p, (t, _req) in cmd.params.items()}
    info = catalog.commands().get(name)
    return {p.name: p.type for p in info.params} if info else {}


FUZZABLE = sorted(
    name
    for name in KNOWN_METHODS - NEVER_FUZZED
    if any(accepted(t, None) is not None for t in _typed_params(name).values())
)


@st.composite
def wrong_type_calls(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(st.sampled_from(FUZZABLE))
    params = {p: t for p, t in _typed_params(name).items() if accepted(t, None) is not None}
    target = draw(st.sampled_from(sorted(params)))
    wrong = draw(JSON_VALUES.filter(lambda v: v is not None and accepted(params[target], v) is False))
    message: dict[str, Any] = {"method": name, "requestId": draw(REQUEST_IDS), target: wrong}
    return message


# --- tests ---------------------------------------------------------------------------------------
@FUZZ
@given(value=JSON_VALUES)
def test_random_json_values_are_refused(wire: Wire, value: Any) -> None:
    text = json.dumps(value)
    assume(not runs_a_real_command(text))
    assert_refused(wire.exchange(text))
    wire.check_alive()


@FUZZ
@given(text=st.text(max_size=200))
def test_random_text_is_refused(wire: Wire, text: str) -> None:
    assume(not runs_a_real_command(text))
    assert_refused(wire.exchange(text))
    wire.check_alive()


@FUZZ
@given(
    method=st.text(min_size=1, max_size=60).filter(lambda m: m not in KNOWN_METHODS),
    request_id=REQUEST_IDS,
    params=st.dictionaries(st.text(max_size=10).filter(lambda k: k not in ("method", "requestId")), JSON_VALUES),
)
def test_unknown_methods_are_refused_and_keep_their_request_id(
    wire: Wire, method: str, request_id: Any, params: dict[str, Any]
) -> None:
    reply = wire.exchange(json.dumps({**params, "method": method, "requestId": request_id}))
    assert_refused(reply)
    assert reply["method"] == method and reply["requestId"] == request_id
    wire.check_alive()


@FUZZ
@given(message=wrong_type_calls())
def test_wrong_parameter_types_of_real_commands_are_refused(wire: Wire, message: dict[str, Any]) -> None:
    reply = wire.exchange(json.dumps(message))
    assert_refused(reply)
    assert reply["method"] == message["method"] and reply["requestId"] == message["requestId"]
    wire.check_alive()


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    size=st.sampled_from([100_000, 500_000, MAX_MESSAGE_BYTES - 200]),
    where=st.sampled_from(["method", "requestId", "param", "key", "value", "number"]),
)
def test_huge_strings_are_refused(wire: Wire, size: int, where: str) -> None:
    big = "x" * size
    message: Any = {
        "method": {"method": big},
        "requestId": {"method": "noSuchCommand", "requestId": [big]},
        "param": {"method": "setSettings", "requestId": "p", "settings": big},
        "key": {"method": "fireMyEvent", big: 1},
        "value": big,
        "number": None,
    }[where]
    text = "1" * size if where == "number" else json.dumps(message)
    assert len(text.encode()) <= MAX_MESSAGE_BYTES
    assert_refused(wire.exchange(text))
    wire.check_alive()


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        '{"method":"fireMyEvent","data":' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"method":"setSettings","settings":' + '{"a":' * 500 + "1" + "}" * 500 + "}",
        '{"method":"saveData","containerName":"deep","data":' + "[" * 900 + "]" * 900 + "}",
        '{"method":"noSuchCommand","requestId":' + "[" * 5000 + "]" * 5000 + "}",
    ],
    ids=["lists", "objects", "in-params", "object-param", "just-parsable", "request-id"],
)
def test_deep_nesting_is_refused(wire: Wire, text: str) -> None:
    assert_refused(wire.exchange(text))
    wire.check_alive()


@pytest.mark.parametrize(
    "text",
    [
        '{"method":"noSuchCommand","requestId":NaN}',
        '{"method":"noSuchCommand","requestId":Infinity}',
        '{"method":"noSuchCommand","requestId":1e999}',
        '{"method":"getAppState","requestId":-Infinity}',
        '{"method":"noSuchCommand","requestId":' + "9" * 5000 + "}",
        '{"method":"noSuchCommand","requestId":"\\ud800"}',
    ],
    ids=["nan", "infinity", "overflow", "minus-infinity", "huge-int", "lone-surrogate"],
)
def test_number_and_escape_edge_cases_are_refused_with_valid_json(wire: Wire, text: str) -> None:
    # The reply must itself be strict JSON (no NaN/Infinity echoed back) and encodable as UTF-8.
    assert_refused(wire.exchange(text))
    wire.check_alive()


@FUZZ
@given(payload=st.binary(min_size=1, max_size=300))
def test_binary_frames_are_refused(wire: Wire, payload: bytes) -> None:
    async def go(ws: RawWebSocket) -> dict[str, Any]:
        await ws.send_frame(BINARY, payload)
        return await ws.recv_json()

    assert_refused(wire.raw(go))
    wire.check_alive()


def _invalid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(payload=st.binary(min_size=1, max_size=200).filter(_invalid_utf8))
def test_invalid_utf8_text_frames_close_only_that_connection(wire: Wire, payload: bytes) -> None:
    async def go(ws: RawWebSocket) -> int | None:
        await ws.send_frame(TEXT, payload)
        try:
            reply = await ws.recv_json()
        except Closed as closed:
            return closed.code
        assert_refused(reply)  # answering is allowed too
        return 1007

    assert wire.raw(go) == 1007  # invalid frame payload data
    wire.check_alive()


@pytest.mark.parametrize("opcode", [TEXT, BINARY])
@pytest.mark.parametrize("how", ["announced", "fragments", "whole"])
def test_messages_over_the_size_limit_close_that_connection_with_1009(wire: Wire, opcode: int, how: str) -> None:
    start = b'{"method":"fireMyEvent","data":"'

    async def go(ws: RawWebSocket) -> int | None:
        reader = asyncio.ensure_future(ws.recv_json(skip_events=False))
        if how == "announced":  # one frame whose header declares more than the limit
            await ws.send_header_only(opcode, MAX_MESSAGE_BYTES + 1)
        elif how == "fragments":  # fragments under the limit, then one that crosses it
            await ws.send_frame(opcode, start + b"y" * (MAX_MESSAGE_BYTES - 1000), fin=False)
            await ws.send_frame(CONTINUATION, b"y" * 500, fin=False)
            await ws.send_header_only(CONTINUATION, 1000)
        else:  # the whole message, as a careless client would send it
            with contextlib.suppress(ConnectionError):
                await ws.send_frame(opcode, start + b"y" * MAX_MESSAGE_BYTES + b'"}')
        try:
            await reader
        except Closed as closed:
            return closed.code
        return None

    code = wire.raw(go)
    # Even when megabytes are still in flight ("whole"), the room reads and drops them before it
    # closes the socket, so no reset swallows the close frame.
    assert code == 1009
    wire.check_alive()
    # The fuzzing connection, open all along, is unaffected.
    assert wire.exchange('{"method":"getAppState","requestId":"after-1009"}')["result"] is True


def test_unauthorised_connection_gets_refusals_for_real_commands(wire: Wire) -> None:
    """Before auth nothing runs, whatever the command (the dangerous ones included)."""

    async def go(ws: RawWebSocket) -> list[dict[str, Any]]:
        out = []
        for name in sorted(KNOWN_METHODS - {"auth", "setUsedApiVersion"}):
            out.append(await ws.exchange(json.dumps({"method": name, "requestId": name})))
        return out

    for reply in wire.raw(go):
        assert_refused(reply)
    wire.check_alive()
