"""What every conference handler shares: the conference (or invitation), the room, the effects, the clock.

The machine (machine.py) routes each input to a handler function in one of the handler modules
(creating, invitations, presence, legs, chat, moderation, podium, admission, reactions, remarks,
smart, ending); each gets this one `Context` and nothing else. A handler reads the room through
`env`, changes `conf` / `invitation`, and appends what it wants done to `out` (through `emit` /
`publish`).
A refusal raises CallError before the first change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from meetroom import ids
from meetroom.calls.conference import effects as fx
from meetroom.calls.conference.state import Conference, Invitation, Participant, Phase
from meetroom.calls.errors import CallError
from meetroom.calls.machine.env import RoomFacts
from meetroom.core.appstate import AppState

JOIN_TIMEOUT = 10.0  # join presence → our own presence (and the configuration, for the owner)
LEAVE_TIMEOUT = 3.0  # unavailable presence → the room's answer; then the conference is over anyway

# rejectReceived causes (shared/spec/xmpp.md §6.6)
DECLINED, LIMIT, BUSY, ACCESS_DENIED, FAILED, NO_ANSWER, NOT_FOUND = 0, 1, 2, 8, 10, 16, 19


class ConferenceEnv(RoomFacts, Protocol):
    """What the conference machine may read about the room; the driver answers from the live services."""

    @property
    def own_name(self) -> str: ...
    @property
    def mesh_size(self) -> int: ...
    @property
    def auto_accept_podium(self) -> bool: ...
    @property
    def call_conf_id(self) -> str: ...  # the connected 1:1 call's confId, "" when none
    @property
    def call_peer(self) -> str: ...  # its peer's InstanceId
    @property
    def calling_peer(self) -> str: ...  # the bare JID an outgoing 1:1 call (not yet answered) rings, "" when none


@dataclass
class Context:
    """The machine's whole state plus the effect list of the input being handled."""

    env: ConferenceEnv
    conf: Conference | None = None
    invitation: Invitation | None = None
    last_conf_type: int = 0  # getLastSelectedConference: the type of the last conference taken part in
    out: list[fx.Effect] = field(default_factory=list)
    now: float = 0.0

    @property
    def busy(self) -> bool:
        """In a conference or invited to one: the one-to-one machine must not take a call."""
        return self.conf is not None or self.invitation is not None

    @property
    def own_nick(self) -> str:
        return self.env.own_name or self.env.own_bare.partition("@")[0]

    # --- effects ------------------------------------------------------------------------------
    def emit(self, *effects: fx.Effect) -> None:
        self.out.extend(effects)

    def publish(self, event: str, **fields: Any) -> None:
        self.emit(fx.Publish(event, fields))

    def set_state(self, state: AppState) -> None:
        if self.env.app_state < AppState.NORMAL:
            return  # the network went away meanwhile: its state (0..2) wins
        self.emit(fx.SetAppState(state))

    def timer(self, name: str, seconds: float) -> None:
        if self.conf is not None:
            self.conf.timers.add(name)
        self.emit(fx.StartTimer(name, seconds))

    def cancel(self, name: str) -> None:
        if self.conf is not None:
            self.conf.timers.discard(name)
        self.emit(fx.CancelTimer(name))

    # --- checks every command makes -----------------------------------------------------------
    def normalise(self, peer: Any) -> str:
        if not isinstance(peer, str):
            raise CallError("a peer ID must be a string")
        try:
            return ids.instance_or_call_id(peer, self.env.domain)
        except ids.IdError as exc:
            raise CallError(str(exc)) from None

    def active(self, what: str) -> Conference:
        conf = self.conf
        if conf is None or conf.phase is not Phase.ACTIVE:
            raise CallError(f"the room is not in a conference: cannot {what}")
        return conf

    def participant(self, conf: Conference, peer: Any, what: str) -> Participant:
        """The participant an InstanceId names (a CallId or PeerId is refused: it may name several)."""
        text = self.normalise(peer)
        if "/" not in text:
            raise CallError(f"{what} needs the participant's InstanceId (user@server/instance), not '{peer}'")
        if text.lower() == self.env.own_full.lower():
            raise CallError(f"{what}: '{peer}' is this room itself")
        found = next((p for p in conf.participants.values() if p.jid.lower() == text.lower()), None)
        if found is None:
            raise CallError(f"'{peer}' is not in the conference")
        return found

    def free_places(self, conf: Conference) -> int:
        return self.env.mesh_size - 1 - len(conf.participants) - len(conf.invited)

    def full_error(self) -> CallError:
        return CallError(f"the conference is full: at most {self.env.mesh_size} participants (conferenceMeshSize)")
