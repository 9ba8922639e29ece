"""A fake room and helpers for driving the conference machine in-process.

Used by tests/test_conference_machine_*.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference.machine import ConferenceMachine
from meetroom.core.appstate import AppState
from meetroom.net.muc import Occupant

OWN = "owner@localhost/o1"
B = "bob@localhost/b1"
C = "carol@localhost/c1"
SERVICE = "conference.localhost"
ROOM = f"abc123@{SERVICE}"
CONF = "abc123@localhost#vcs"
T0 = 1_000_000.0


@dataclass
class FakeRoom:
    own_full: str = OWN
    own_bare: str = "owner@localhost"
    own_name: str = "Owner Room"
    domain: str = "localhost"
    logged_in: bool = True
    app_state: AppState = AppState.NORMAL
    ring_timeout: float = 40.0
    auto_accept: bool = False
    mesh_size: int = 6
    auto_accept_podium: bool = False
    call_conf_id: str = ""
    call_peer: str = ""
    calling_peer: str = ""

    def peer_dn(self, bare: str) -> str:
        return {"bob@localhost": "Bob", "carol@localhost": "Carol"}.get(bare, bare)


class Driver:
    """Feeds the machine and keeps appState as the real driver would (SetAppState is performed)."""

    def __init__(self, **env: Any) -> None:
        self.env = FakeRoom(**env)
        self.machine = ConferenceMachine(self.env)
        self.now = T0

    def feed(self, event: Any) -> list[Any]:
        out = self.machine.handle(event, self.now)
        for effect in out:
            if isinstance(effect, fx.SetAppState):
                self.env.app_state = effect.state
        return out


def published(effects: list[Any], event: str) -> list[dict[str, Any]]:
    return [e.fields for e in effects if isinstance(e, fx.Publish) and e.event == event]


def of(effects: list[Any], kind: type) -> list[Any]:
    return [e for e in effects if isinstance(e, kind)]


def occupant(nick: str, jid: str = "", *, role: str = "participant", aff: str = "none", **kw: Any) -> Occupant:
    return Occupant(ROOM, nick, jid, aff, role, mesh=True, **kw)


def me(**kw: Any) -> Occupant:
    return Occupant(ROOM, "Owner Room", OWN, kw.pop("aff", "owner"), kw.pop("role", "moderator"), **kw)


def created(d: Driver, conf_type: str = "symmetric", auto_accept: bool = True, invites: tuple[str, ...] = ()) -> None:
    d.feed(ev.Create("abc123", SERVICE, "Weekly", conf_type, auto_accept, invites))
    d.feed(me(codes=frozenset({110, 201})))
    d.feed(ev.Configured(ROOM, True))
