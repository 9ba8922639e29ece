"""What every handler of the call machine shares: the session, the room, the clock and the effects.

The machine's modules are plain functions of a `CallContext`; one context lives as long as the
`CallMachine` (it holds the session and the recently ended sids), and `begin` / `take` frame one
input, so a handler only appends effects and never returns them.
"""

from __future__ import annotations

from typing import Any

from meetroom.calls.machine import effects as fx
from meetroom.calls.machine.env import Env
from meetroom.calls.machine.state import Leg, LegKey, Phase, Session
from meetroom.core.appstate import AppState
from meetroom.net.jingle.jmi import conf_id_for

RECENT_SIDS = 64  # ended calls remembered, so late stanzas for them are acknowledged quietly


def bare(jid: str) -> str:
    return jid.partition("/")[0].lower()


class CallContext:
    def __init__(self, env: Env) -> None:
        self.env = env
        self.session: Session | None = None
        self.recent: list[str] = []  # sids of ended calls: late stanzas for them are acknowledged quietly
        self.now = 0.0
        self._out: list[fx.Effect] = []

    def begin(self, now: float) -> None:
        """Start handling one input at wall-clock time `now`."""
        self._out, self.now = [], now

    def take(self) -> list[fx.Effect]:
        """The effects of the input just handled, in the order they must be performed."""
        out, self._out = self._out, []
        return out

    def emit(self, *effects: fx.Effect) -> None:
        self._out.extend(effects)

    def publish(self, event: str, **fields: Any) -> None:
        self.emit(fx.Publish(event, fields))

    def set_state(self, state: AppState) -> None:
        if state == AppState.NORMAL and self.env.app_state < AppState.NORMAL:
            return  # the network went away meanwhile: its state wins
        self.emit(fx.SetAppState(state))

    def remember(self, sid: str) -> None:
        self.recent.append(sid)
        del self.recent[:-RECENT_SIDS]

    def current(self, key: LegKey) -> tuple[Session, Leg] | None:
        """The live session and leg `key` names, or None when it ended meanwhile."""
        session = self.session
        if session is None or session.sid != key.sid:
            return None
        leg = session.legs.get(key.peer)
        if leg is None or leg.phase is Phase.ENDED:
            return None
        return session, leg

    def new_session(self, sid: str, peer: str, *, outgoing: bool, owner: str, **leg: Any) -> Session:
        """A session with what every call derives from its id and peer: the confId and the peer's name."""
        via_jmi = leg.pop("via_jmi", True)
        session = Session(sid, conf_id_for(sid, self.env.domain), outgoing, owner, self.now, via_jmi=via_jmi)
        session.legs[peer] = Leg(LegKey(sid, peer), self.env.peer_dn(peer), **leg)
        return session
