"""Fixtures shared by the whole suite: real room processes and schema-checked clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from meetroom.api.session import Session
from meetroom.client import RoomClient
from tests.support.inprocess import loopback_session
from tests.support.process import RoomProcess
from tests.support.schema import SchemaRecorder


@pytest.fixture
def schema() -> Iterator[SchemaRecorder]:
    recorder = SchemaRecorder()
    yield recorder
    assert recorder.problems == [], "\n".join(recorder.problems)


@pytest.fixture
async def session() -> AsyncIterator[Session]:
    """An API session for in-process dispatcher tests (tests/support/inprocess.py)."""
    loopback = loopback_session()
    yield loopback
    await loopback.flush_and_stop()


@pytest.fixture
def room_factory(tmp_path: Path) -> Iterator[Callable[..., RoomProcess]]:
    """Start rooms with `room_factory(*args, name=...)`; every one is stopped by pid at teardown."""
    started: list[RoomProcess] = []

    def start(
        *args: str,
        name: str = "room",
        fixed_ports: bool = True,
        data_dir: Path | None = None,
        nofile: tuple[int, int] | None = None,
    ) -> RoomProcess:
        room = RoomProcess(data_dir or tmp_path / name, list(args), fixed_ports, nofile)
        started.append(room)
        return room.start()

    yield start
    for room in started:
        room.stop()


@pytest.fixture
def room(room_factory: Callable[..., RoomProcess]) -> RoomProcess:
    return room_factory()


@pytest.fixture
async def connect(schema: SchemaRecorder) -> AsyncIterator[Callable[..., object]]:
    """`await connect(room, auth=True, pin=None)` gives a schema-checked RoomClient."""
    clients: list[RoomClient] = []

    async def make(
        room: RoomProcess, *, auth: bool = True, pin: str | None = None, role: str | None = None, **kwargs: object
    ) -> RoomClient:
        client = RoomClient("127.0.0.1", room.http_port, on_message=schema, **kwargs)  # type: ignore[arg-type]
        clients.append(client)
        await client.connect()
        if auth:
            await client.auth(pin, role)
        return client

    yield make
    for client in clients:
        await client.close()
