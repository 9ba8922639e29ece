"""The conference state machine: docs/conferences.md as inputs → effects.

One conference (or one ringing invitation) at a time. `handle` never does I/O and decides
nothing itself: it routes each input to the handler module of its concern, which reads the room
through the shared `Context` (context.py), changes the conference it holds and appends effects
(effects.py) for the driver to perform in order. A refused command raises CallError and leaves
the state as it was (every check runs before the first change).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from meetroom.calls.conference import (
    admission,
    chat,
    creating,
    ending,
    invitations,
    legs,
    moderation,
    podium,
    presence,
    reactions,
    remarks,
    smart,
    views,
)
from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference.context import FAILED, NO_ANSWER, ConferenceEnv, Context
from meetroom.calls.conference.outcome import abandon, finish
from meetroom.calls.conference.state import Conference, Invitation, Phase
from meetroom.net.muc import ConfSignal, Decline, GroupMessage, Occupant, VoiceRequest
from meetroom.net.muc import Invitation as InvitationIn

__all__ = ["ConferenceEnv", "ConferenceMachine"]

Handler = Callable[[Context, Any], None]

HANDLERS: dict[type, Handler] = {
    ev.Create: creating.create,
    ev.Invite: creating.invite,
    ev.Configured: presence.configured,
    InvitationIn: invitations.received,
    ev.Accept: lambda ctx, _: invitations.accept(ctx),
    ev.Reject: lambda ctx, _: invitations.reject(ctx),
    Decline: invitations.declined,
    Occupant: presence.occupant,
    ev.SendGroup: chat.send,
    GroupMessage: chat.received,
    ev.Kick: moderation.kick,
    ev.SetModerator: moderation.set_moderator,
    ev.TurnRemote: podium.turn_remote,
    ev.Podium: podium.command,
    ev.StartRemark: remarks.start,
    VoiceRequest: podium.voice_request,
    ev.JoinById: admission.join_by_id,
    ev.AnswerRequest: admission.answer_request,
    ev.WaitingRoom: admission.waiting_room,
    ev.SendToWaitingRoom: admission.send_to_waiting_room,
    ev.CalledOwner: admission.called_owner,
    ev.ChangeMode: smart.change_mode,
    ev.AudioLevels: smart.levels,
    ev.SetReaction: reactions.set_reaction,
    ev.Pin: reactions.pin,
    ev.HangUp: ending.hang_up,
    ev.Shutdown: lambda ctx, _: ending.shutdown(ctx),
    ev.NetworkLost: lambda ctx, _: ending.network_lost(ctx),
    ev.PeerMedia: legs.peer_media,
}


def _signal(ctx: Context, signal: ConfSignal) -> None:
    """A meetroom message about our conference: admission, a reaction, or the podium and devices."""
    if signal.name == "in-conference":
        admission.redirected(ctx, signal)
        return
    conf = ctx.conf
    if conf is None or signal.conf_id != conf.conf_id:
        return
    if admission.on_signal(ctx, conf, signal) or conf.phase is not Phase.ACTIVE:
        return
    if signal.name == "reaction":
        reactions.reaction_in(ctx, conf, signal)
        return
    sender = conf.participants.get(signal.sender)
    if sender is None or remarks.on_signal(ctx, conf, sender, signal):  # participants only
        return
    if not smart.on_signal(ctx, conf, sender, signal):
        podium.on_signal(ctx, conf, sender, signal)


def _timer_fired(ctx: Context, fired: ev.TimerFired) -> None:
    if fired.name == "ring":
        if ctx.invitation is not None:
            invitations.decline(ctx, ctx.invitation, NO_ANSWER)
        return
    conf = ctx.conf
    if conf is None or fired.name not in conf.timers:
        return
    conf.timers.discard(fired.name)
    if remarks.timer_fired(ctx, conf, fired.name):
        return
    if fired.name == "join" and conf.phase is Phase.JOINING:
        ctx.emit(fx.Leave(conf.room, conf.nick))
        abandon(ctx, conf, FAILED)
    elif fired.name == "leave" and conf.phase is Phase.LEAVING:
        finish(ctx, conf)
    elif fired.name == "request" and conf.phase is Phase.REQUESTING:
        admission.stop_requesting(ctx, conf, timed_out=True)
    elif fired.name == "podium" and conf.podium_invitation:
        podium.answer(ctx, conf, 2)


HANDLERS |= {ConfSignal: _signal, ev.TimerFired: _timer_fired}


class ConferenceMachine:
    """The conference's one entry point (`handle`) and what the API reads about it."""

    def __init__(self, env: ConferenceEnv) -> None:
        self.env = env
        self._ctx = Context(env)

    def handle(self, event: ev.Input, now: float) -> list[fx.Effect]:
        ctx = self._ctx
        ctx.out, ctx.now = [], now
        HANDLERS[type(event)](ctx, event)
        out, ctx.out = ctx.out, []
        return out

    @property
    def conf(self) -> Conference | None:
        return self._ctx.conf

    @property
    def invitation(self) -> Invitation | None:
        return self._ctx.invitation

    @property
    def last_conf_type(self) -> int:
        """getLastSelectedConference: the type of the last conference this room took part in (0: none)."""
        return self._ctx.last_conf_type

    @property
    def busy(self) -> bool:
        """In a conference or invited to one: the one-to-one machine must not take a call."""
        return self._ctx.busy

    # --- what the API reads --------------------------------------------------------------------
    def conference_view(self, now: float) -> dict[str, Any]:
        return views.conference(self._ctx.active("list conferences"), self.env.mesh_size, now)

    def participants_view(
        self, own_mutes: Mapping[str, bool], peer_media: Callable[[str], tuple[Mapping[str, bool], dict[str, Any]]]
    ) -> dict[str, Any]:
        conf = self._ctx.active("list participants")
        me = views.me(conf, self.env.own_full, self.env.own_name, own_mutes)
        others = [views.participant(conf, who, *peer_media(who.jid)) for who in conf.participants.values()]
        return {"confId": conf.conf_id, "participants": [me, *others]}
