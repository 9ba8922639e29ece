"""The call state machine: every transition of docs/calls.md as inputs → effects.

One session at a time (a point-to-point call is one session with one leg). `handle` never does
I/O: what it needs to know about the room it reads from an `Env`, and what it wants done it
returns as effects (machine/effects.py) for the driver to perform in order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from meetroom import ids
from meetroom.calls import views
from meetroom.calls.causes import Cause, Record, Side
from meetroom.calls.errors import CallError
from meetroom.calls.machine import effects as fx
from meetroom.calls.machine import inputs as ev
from meetroom.calls.machine.env import Env
from meetroom.calls.machine.state import Leg, LegKey, Phase, Session, TimerKey
from meetroom.core.appstate import AppState
from meetroom.net.jingle.jmi import JmiAction, conf_id_for

log = logging.getLogger(__name__)

NO_RINGING_SECONDS = 5.0  # a propose no resource rings for means nobody can take the call
INITIATE_TIMEOUT = 10.0  # our proceed → the caller's session-initiate
CONNECT_TIMEOUT = 10.0  # offer acknowledged / answer made → media connected
CALLEE_GRACE = 2.0  # the callee rings a little longer than the caller, so the caller's retract wins
TERMINATE_GRACE = 1.0  # lost media → wait this long for the peer's session-terminate before calling it a loss
RECENT_SIDS = 64


def _bare(jid: str) -> str:
    return jid.partition("/")[0].lower()


class CallMachine:
    def __init__(self, env: Env) -> None:
        self.env = env
        self.session: Session | None = None
        self.recent: list[str] = []  # sids of ended calls: late stanzas for them are acknowledged quietly
        self._out: list[fx.Effect] = []
        self._now = 0.0
        self._handlers: dict[type, Callable[[Any], None]] = {
            ev.PlaceCall: self._place_call,
            ev.Accept: lambda _: self._accept(),
            ev.Reject: lambda _: self._reject(),
            ev.HangUp: lambda _: self._hang_up(),
            ev.Shutdown: lambda _: self._shutdown(),
            ev.JmiIn: self._jmi,
            ev.JmiBounced: self._bounced,
            ev.JingleIn: self._jingle,
            ev.PeerUnavailable: self._peer_unavailable,
            ev.NetworkLost: lambda _: self._network_lost(),
            ev.TimerFired: self._timer_fired,
            ev.LocalDescription: self._local_description,
            ev.MediaRefused: self._media_refused,
            ev.JingleDelivered: self._delivered,
            ev.MediaConnected: self._media_connected,
            ev.MediaLost: self._media_lost,
            ev.OwnMute: self._own_mute,
        }

    def handle(self, event: ev.Input, now: float) -> list[fx.Effect]:
        """Apply one input at wall-clock time `now`; a refused command raises CallError instead."""
        self._out, self._now = [], now
        self._handlers[type(event)](event)
        out, self._out = self._out, []
        return out

    # --- small helpers ----------------------------------------------------------------------
    def _emit(self, *effects: fx.Effect) -> None:
        self._out.extend(effects)

    def _publish(self, event: str, **fields: Any) -> None:
        self._emit(fx.Publish(event, fields))

    def _set_state(self, state: AppState) -> None:
        if state == AppState.NORMAL and self.env.app_state < AppState.NORMAL:
            return  # the network went away meanwhile: its state wins
        self._emit(fx.SetAppState(state))

    def _timer(self, session: Session, leg: Leg, name: str, seconds: float) -> None:
        key = TimerKey(leg.key, name)
        session.timers.add(key)
        self._emit(fx.StartTimer(key, seconds))

    def _cancel_timers(self, session: Session) -> None:
        for key in sorted(session.timers, key=lambda k: k.name):
            self._emit(fx.CancelTimer(key))
        session.timers.clear()

    def _remember(self, sid: str) -> None:
        self.recent.append(sid)
        del self.recent[:-RECENT_SIDS]

    def _current(self, key: LegKey) -> tuple[Session, Leg] | None:
        """The live session and leg `key` names, or None when it ended meanwhile."""
        session = self.session
        if session is None or session.sid != key.sid:
            return None
        leg = session.legs.get(key.peer)
        if leg is None or leg.phase is Phase.ENDED:
            return None
        return session, leg

    def _new_session(self, sid: str, bare: str, *, outgoing: bool, owner: str, **leg: Any) -> Session:
        """A session with what every call derives from its id and peer: the confId and the peer's name."""
        via_jmi = leg.pop("via_jmi", True)
        session = Session(sid, conf_id_for(sid, self.env.domain), outgoing, owner, self._now, via_jmi=via_jmi)
        session.legs[bare] = Leg(LegKey(sid, bare), self.env.peer_dn(bare), **leg)
        return session

    def _proposed(self, sender: str, sid: str, **leg: Any) -> Session:
        """An incoming call from `sender` (a JMI propose, or a Jingle offer without one)."""
        return self._new_session(sid, _bare(sender), outgoing=False, owner=sender, peer_full=sender, **leg)

    def _reject_received(self, leg: Leg, cause: Cause) -> None:
        self._publish("rejectReceived", peerId=leg.peer_id, peerDn=leg.peer_dn, cause=cause)

    def _stop_calling(self, peer: str, side: Side) -> None:
        self._publish("stopCalling", peerId=peer, side=side)

    # --- API commands ---------------------------------------------------------------------
    def normalise(self, peer: str) -> str:
        try:
            return ids.instance_or_call_id(peer, self.env.domain)
        except ids.IdError as exc:
            raise CallError(str(exc)) from None

    def _place_call(self, cmd: ev.PlaceCall) -> None:
        env = self.env
        if not env.logged_in:
            raise CallError("not logged in: send login first")
        if self.session is not None or env.app_state != AppState.NORMAL:
            raise CallError("a call is already in progress")
        target = self.normalise(cmd.peer)
        bare = _bare(target)
        if target == env.own_full or (bare == env.own_bare and "/" not in target):
            raise CallError("a room cannot call itself")
        if cmd.ice_error:
            raise CallError(f"iceHostAddresses: {cmd.ice_error}")
        full = cmd.direct or (target if "/" in target else "")
        session = self._new_session(
            cmd.sid, bare, outgoing=True, owner=env.own_full, target=target, peer_full=full, via_jmi=not cmd.direct
        )
        leg = session.leg
        self.session = session
        if session.via_jmi:
            self._emit(fx.SendJmi(target, "propose", cmd.sid))
        self._publish("inviteSent", confId=session.conf_id, peerId=target, peerDn=leg.peer_dn, confType=0)
        self._set_state(AppState.WAIT)
        self._timer(session, leg, "ring", env.ring_timeout)
        if session.via_jmi:
            self._timer(session, leg, "nobody-rings", 0.0 if env.known_offline(target) else NO_RINGING_SECONDS)
        else:  # XEP-0166 without JMI: our offer is the call; the session-accept is the answer
            self._open_media(leg, fx.MakeOffer(leg.key, full))

    def _ringing_incoming(self, what: str) -> tuple[Session, Leg]:
        session = self.session
        if session is None or session.outgoing or session.leg.phase is not Phase.RINGING:
            raise CallError(f"there is no incoming call to {what}")
        return session, session.leg

    def _accept(self) -> None:
        session, leg = self._ringing_incoming("accept")
        self._cancel_timers(session)
        leg.phase = Phase.NEGOTIATING
        if session.via_jmi:
            self._emit(
                fx.SendJmi(leg.peer_full, "proceed", session.sid), fx.SendJmi(self.env.own_bare, "accept", session.sid)
            )
        if leg.offer is not None:
            self._open_media(leg, fx.MakeAnswer(leg.key, leg.peer_full, leg.offer, leg.peer_is_meetroom))
        else:
            self._timer(session, leg, "initiate", INITIATE_TIMEOUT)

    def _reject(self) -> None:
        session, leg = self._ringing_incoming("reject")
        self._decline(session, leg, Cause.DECLINED, "decline")
        self._reject_sent(session.conf_id, leg.peer_bare, leg.peer_dn, Cause.DECLINED)
        self._idle(session)

    def _hang_up(self) -> None:
        session = self.session
        if session is None:
            raise CallError("there is no call to hang up")
        leg = session.leg
        if leg.phase is not Phase.RINGING:
            self._end(session, local=True)
            return
        if session.outgoing:
            self._cancel_outgoing(session, leg, None, "cancel")
        else:
            self._decline(session, leg, Cause.DECLINED, "decline")
            self._reject_sent(session.conf_id, leg.peer_bare, leg.peer_dn, Cause.DECLINED)
        self._stop_calling(leg.peer_id, Side.LOCAL)
        self._idle(session)

    def _cancel_outgoing(self, session: Session, leg: Leg, cause: Cause | None, condition: str, text: str = "") -> None:
        """Withdraw our ringing call: a JMI retract, or session-terminate for a direct Jingle call."""
        if session.via_jmi:
            self._emit(fx.SendJmi(leg.target, "retract", session.sid, cause, condition, text))
        else:
            self._emit(fx.SendTerminate(leg.peer_full, session.sid, cause, condition))

    def _shutdown(self) -> None:
        if self.session is not None:
            self._end(self.session, local=True)

    def _reject_sent(self, conf_id: str, peer: str, peer_dn: str, cause: Cause) -> None:
        self._publish("rejectSent", confId=conf_id, peerId=peer, peerDn=peer_dn, cause=cause)

    def _decline(self, session: Session, leg: Leg, cause: Cause, condition: str) -> None:
        """Refuse the incoming call to the caller and to our other instances (which stop ringing)."""
        if session.via_jmi:
            for to in (leg.peer_full, self.env.own_bare):
                self._emit(fx.SendJmi(to, "reject", session.sid, cause, condition=condition))
        else:
            self._emit(fx.SendTerminate(leg.peer_full, session.sid, cause, condition))

    # --- JMI in -----------------------------------------------------------------------------
    def _jmi(self, message: ev.JmiIn) -> None:
        action, sender, env = message.action, message.sender, self.env
        own_full = env.own_full
        if not own_full or sender.lower() == own_full.lower():
            return  # our own copy of what we sent to our bare JID
        session = self.session
        mine = session is not None and session.sid == action.sid
        leg = session.leg if session is not None and mine else None
        # JMI from another instance of this account is about a call it answered or declined,
        # unless that instance is the other party of our call (instances may call each other)
        elsewhere = _bare(sender) == env.own_bare and action.kind != "propose"
        if session is not None and leg is not None and (session.outgoing or sender == leg.peer_full):
            elsewhere = False
        if message.carbon == "sent" or elsewhere:
            answered = action.kind in ("proceed", "accept", "reject")
            if session is not None and leg is not None and answered and self._ringing_here(session):
                self._stop_calling(leg.peer_bare, Side.REMOTE)  # another instance answered or declined
                self._idle(session, Record.MISSED)
            return
        if "/" in message.to and message.to.lower() != own_full.lower():
            return  # a carbon of something addressed to another instance of this account
        if action.kind == "propose":
            if not message.delayed and action.sid not in self.recent:
                self._incoming(sender, action)
            return
        if session is None or leg is None:
            return
        if action.kind == "ringing" and session.outgoing:
            leg.rang.add(sender)
        elif action.kind == "proceed" and session.outgoing:
            self._proceeded(session, leg, sender)
        elif action.kind == "reject" and session.outgoing:
            self._rejected(session, leg, sender, action)
        elif action.kind == "retract" and not session.outgoing and sender == leg.peer_full:
            if leg.phase is Phase.RINGING:
                self._stop_calling(leg.peer_bare, Side.REMOTE)
                self._idle(session, Record.MISSED)
            else:
                self._end(session, local=False, notify=False)
        elif action.kind == "finish" and sender == leg.peer_full:
            self._end(session, local=False, notify=False)

    @staticmethod
    def _ringing_here(session: Session) -> bool:
        return not session.outgoing and session.leg.phase is Phase.RINGING

    def _bounced(self, bounce: ev.JmiBounced) -> None:
        session = self.session
        if session is None or session.sid != bounce.sid or not session.outgoing:
            return
        if session.leg.phase is Phase.RINGING:
            self._reject_received(
                session.leg, Cause.NO_USER if bounce.condition == "item-not-found" else Cause.UNAVAILABLE
            )
            self._idle(session)

    def _incoming(self, sender: str, action: JmiAction) -> None:
        if self.session is not None and self.session.sid == action.sid:
            return  # the same propose again (carbon and direct copy)
        if self._tie_break(sender, action):
            return
        if self.session is not None or self.env.app_state != AppState.NORMAL:
            bare = _bare(sender)
            dn = self.env.peer_dn(bare)
            self._emit(fx.SendJmi(sender, "reject", action.sid, Cause.BUSY, condition="busy"))
            self._reject_sent(conf_id_for(action.sid, self.env.domain), bare, dn, Cause.BUSY)
            self._emit(fx.WriteHistory(Record.MISSED, bare, dn, self._now))
            return
        self._ring(self._proposed(sender, action.sid))

    def _tie_break(self, sender: str, action: JmiAction) -> bool:
        """Both sides proposed to each other at once (XEP-0353): the lower id wins.

        Losing, our own propose is dropped (the peer rejects it with <tie-break/>) and theirs is
        answered at once, since this room wanted that call anyway. Winning, theirs is rejected.
        """
        session = self.session
        if session is None or not session.outgoing or session.leg.phase is not Phase.RINGING:
            return False
        if session.leg.peer_bare != _bare(sender):
            return False
        if action.sid.encode() < session.sid.encode():
            log.info("simultaneous calls with %s: theirs (%s) wins", sender, action.sid)
            session.leg.phase = Phase.ENDED
            self._cancel_timers(session)
            self._remember(session.sid)
            self.session = None
            self._ring(self._proposed(sender, action.sid))
            self._accept_quietly()
        else:
            self._emit(fx.SendJmi(sender, "reject", action.sid, condition="expired", tie_break=True))
        return True

    def _ring(self, session: Session) -> None:
        self.session = session
        leg = session.leg
        if session.via_jmi:
            self._emit(fx.SendJmi(leg.peer_full, "ringing", session.sid))
        else:  # a Jingle-only caller hears the ringing through session-info (XEP-0167 §7)
            self._emit(fx.SendInfo(leg.peer_full, session.sid, "ringing"))
        self._publish(
            "inviteReceived", confId=session.conf_id, peerId=leg.peer_bare, peerDn=leg.peer_dn, type=0, confTitle=""
        )
        self._set_state(AppState.WAIT)
        self._timer(session, leg, "callee-ring", self.env.ring_timeout + CALLEE_GRACE)
        if self.env.auto_accept:
            self._accept_quietly()

    def _accept_quietly(self) -> None:
        """Answer without a command (autoAccept, a lost tie-break) unless it is answered already."""
        session = self.session
        if session is not None and not session.outgoing and session.leg.phase is Phase.RINGING:
            self._accept()

    def _rejected(self, session: Session, leg: Leg, sender: str, action: JmiAction) -> None:
        if leg.phase is not Phase.RINGING:
            return
        leg.rejected.add(sender)
        declined = action.reason is None or action.reason.condition == "decline"
        still_ringing = leg.rang - leg.rejected
        if not declined and still_ringing:
            return  # busy or timed out there, but another resource still rings
        if still_ringing:  # declined on one device: the others stop ringing too
            self._emit(fx.SendJmi(leg.target, "retract", session.sid, condition="cancel"))
        self._reject_received(leg, action.reason.cause if action.reason else Cause.DECLINED)
        self._idle(session)

    def _proceeded(self, session: Session, leg: Leg, sender: str) -> None:
        if leg.phase is not Phase.RINGING or ("/" in leg.target and sender != leg.target):
            if sender != leg.peer_full:
                # lost the race: tell that resource to stop waiting for our session-initiate
                self._emit(fx.SendJmi(sender, "retract", session.sid, condition="cancel"))
            return
        self._cancel_timers(session)
        leg.peer_full = sender
        leg.phase = Phase.NEGOTIATING
        self._open_media(leg, fx.MakeOffer(leg.key, sender))

    # --- Jingle in ---------------------------------------------------------------------------
    def _jingle(self, iq: ev.JingleIn) -> None:
        if iq.action == "session-initiate":
            self._session_initiate(iq)
            return
        session = self.session
        leg = session.leg if session is not None and session.sid == iq.sid else None
        if session is None or leg is None or iq.sender != leg.peer_full:
            if iq.sid in self.recent:
                self._emit(fx.Ack(iq.iq))
            else:
                self._emit(fx.IqError(iq.iq, "item-not-found", "unknown-session"))
            return
        direct_answer = not session.via_jmi and leg.phase is Phase.RINGING
        if iq.action == "session-accept" and session.outgoing and (leg.phase is Phase.NEGOTIATING or direct_answer):
            self._emit(fx.Ack(iq.iq))
            if direct_answer:  # a direct Jingle call was answered: now it connects
                self._cancel_timers(session)
                leg.phase = Phase.NEGOTIATING
                self._timer(session, leg, "connect", CONNECT_TIMEOUT)
            leg.peer_is_meetroom = iq.meetroom
            self._emit(fx.ApplyAnswer(leg.key, iq.payload, leg.peer_is_meetroom))
        elif iq.action == "session-terminate":
            self._emit(fx.Ack(iq.iq))
            reason = iq.reason
            cause = reason.cause if reason is not None else Cause.DECLINED
            condition = reason.condition if reason is not None else "success"
            self._end(session, local=False, notify=False, cause=cause, condition=condition)
        elif iq.action == "session-info":
            self._session_info(iq, session, leg)
        elif iq.action == "transport-info":
            self._emit(fx.Ack(iq.iq))
            if leg.media_open:
                self._emit(fx.AddCandidates(leg.key, iq.payload))
            else:  # ringing, or accepted before the offer came: no peer connection to give them to yet
                leg.early_candidates.append(iq.payload)
        else:
            self._emit(fx.IqError(iq.iq, "feature-not-implemented", "unsupported-info"))

    def _session_initiate(self, iq: ev.JingleIn) -> None:
        session = self.session
        if session is not None and session.sid == iq.sid:
            leg = session.leg
            if session.outgoing or iq.sender != leg.peer_full or leg.offer is not None:
                self._emit(fx.IqError(iq.iq, "unexpected-request", "out-of-order", etype="wait"))
                return
            self._emit(fx.Ack(iq.iq))
            leg.offer, leg.peer_is_meetroom = iq.payload, iq.meetroom
            if leg.phase is Phase.NEGOTIATING:  # accepted already: the offer was awaited
                self._cancel_timers(session)
                self._open_media(leg, fx.MakeAnswer(leg.key, leg.peer_full, leg.offer, leg.peer_is_meetroom))
            return
        self._emit(fx.Ack(iq.iq))
        if session is not None or self.env.app_state != AppState.NORMAL:
            self._emit(fx.SendTerminate(iq.sender, iq.sid, Cause.BUSY, "busy"))
            return
        self._ring(self._proposed(iq.sender, iq.sid, via_jmi=False, offer=iq.payload, peer_is_meetroom=iq.meetroom))

    def _session_info(self, iq: ev.JingleIn, session: Session, leg: Leg) -> None:
        if not iq.infos and iq.has_children:
            self._emit(fx.IqError(iq.iq, "feature-not-implemented", "unsupported-info", etype="modify"))
            return
        self._emit(fx.Ack(iq.iq))
        kind_of_mid = {mid: kind for kind, mid in self.env.mids(leg.key).items()}
        changed = False
        for payload, name in iq.infos:
            if payload == "ringing" and session.outgoing:
                leg.rang.add(iq.sender)
            if payload not in ("mute", "unmute"):
                continue  # ringing, active, hold, unhold: acknowledged; the API has no event for them
            for kind in [kind_of_mid[name]] if name in kind_of_mid else ["audio", "video"]:
                key = "mic" if kind == "audio" else "video"
                muted = payload == "mute"
                changed = changed or leg.remote_mutes[key] != muted
                leg.remote_mutes[key] = muted
        if changed and leg.phase is Phase.ACTIVE:
            mutes = leg.remote_mutes
            self._publish(
                "deviceStatusReceived",
                confId=session.conf_id,
                peerId=leg.peer_id,
                mic=views.device_state(mutes["mic"]),
                video=views.device_state(mutes["video"]),
            )

    # --- media and timers -------------------------------------------------------------------
    def _open_media(self, leg: Leg, make: fx.MakeOffer | fx.MakeAnswer) -> None:
        """Open the leg's peer connection, then hand it the candidates that trickled in before."""
        leg.media_open = True
        self._emit(make)
        early, leg.early_candidates = leg.early_candidates, []
        for payload in early:
            self._emit(fx.AddCandidates(leg.key, payload))

    def _local_description(self, done: ev.LocalDescription) -> None:
        found = self._current(done.leg)
        if found is None:
            return
        session, leg = found
        if not session.outgoing:
            self._timer(session, leg, "connect", CONNECT_TIMEOUT)  # counted from the answer
        self._emit(fx.SendDescription(leg.peer_full, leg.key, done.jingle))

    def _delivered(self, done: ev.JingleDelivered) -> None:
        found = self._current(done.leg)
        if found is None:
            return
        session, leg = found
        if not done.ok:  # the peer refused our offer/answer or never answered it: end quietly
            self._end(session, local=False, cause=Cause.FAILED, condition="general-error", notify=False)
        elif session.outgoing and leg.phase is Phase.NEGOTIATING:
            self._timer(session, leg, "connect", CONNECT_TIMEOUT)  # counted from the acknowledged offer

    def _media_refused(self, failed: ev.MediaRefused) -> None:
        found = self._current(failed.leg)
        if found is None:
            return
        log.warning("call %s: cannot %s", failed.leg.sid, {"offer": "make the offer"}.get(failed.step, "answer"))
        if failed.step == "offer":
            self._end(found[0], local=True, cause=Cause.NO_RESOURCES, condition="media-error")
        else:
            self._end(found[0], local=True, cause=Cause.INCOMPATIBLE, condition="incompatible-parameters")

    def _media_connected(self, done: ev.MediaConnected) -> None:
        found = self._current(done.leg)
        if found is None or found[1].phase is not Phase.NEGOTIATING:
            return
        session, leg = found
        self._cancel_timers(session)
        leg.phase = Phase.ACTIVE
        leg.connected_at = self._now
        self._set_state(AppState.CONFERENCE)
        self._emit(
            fx.Publish("conferenceCreated", views.conference_fields(session.conf_id, session.owner, leg.peer_id))
        )
        self._publish("peerAccepted", peerId=leg.peer_id, peerDn=leg.peer_dn, confId=session.conf_id)
        peer = views.peer_fields(leg.peer_id, leg.peer_dn, leg.remote_mutes, self.env.media_view(leg.key))
        self._emit(fx.Publish("newParticipantInConference", {**peer, "extraVideo": 0, "confId": session.conf_id}))
        self._emit(fx.AddSlot(leg.peer_id, leg.peer_dn))
        mutes = self.env.own_mutes()
        for what in ("mic", "video"):
            if mutes[what]:
                self._emit(fx.SendMute(leg.peer_full, leg.key, what, True))

    def _media_lost(self, lost: ev.MediaLost) -> None:
        """A peer that hangs up often closes its media a moment before its session-terminate
        arrives: give the terminate TERMINATE_GRACE before ending the call as a network loss."""
        found = self._current(lost.leg)
        if found is None:
            return
        session, leg = found
        if TimerKey(leg.key, "media-lost") in session.timers:
            return
        log.info("call %s: %s; waiting %g s for a session-terminate", lost.leg.sid, lost.reason, TERMINATE_GRACE)
        self._timer(session, leg, "media-lost", TERMINATE_GRACE)

    def _own_mute(self, change: ev.OwnMute) -> None:
        """Our own mute changes go to the peer as session-info while a call is up."""
        session = self.session
        if session is None or change.what not in ("mic", "video"):
            return
        for leg in session.legs.values():
            if leg.phase is Phase.ACTIVE:
                self._emit(fx.SendMute(leg.peer_full, leg.key, change.what, change.muted))

    def _timer_fired(self, fired: ev.TimerFired) -> None:
        session = self.session
        if session is None or fired.key not in session.timers:
            return  # cancelled, or a call that is over
        session.timers.discard(fired.key)
        found = self._current(fired.key.leg)
        if found is None:
            return
        leg, name = found[1], fired.key.name
        if name == "initiate":
            self._end(session, local=True, cause=Cause.FAILED, condition="timeout")
        elif name == "connect":
            self._end(session, local=True, cause=Cause.FAILED, condition="failed-transport")
        elif name == "media-lost":
            self._end(session, local=False, cause=Cause.FAILED, condition="connectivity-error")
        elif leg.phase is not Phase.RINGING:
            return
        elif name == "callee-ring":
            self._decline(session, leg, Cause.NO_ANSWER, "timeout")
            self._stop_calling(leg.peer_bare, Side.LOCAL)
            self._idle(session, Record.MISSED)
        elif name == "ring":
            self._cancel_outgoing(session, leg, Cause.NO_ANSWER, "timeout", "no answer")
            self._reject_received(leg, Cause.NO_ANSWER)
            self._idle(session)
        elif name == "nobody-rings" and not leg.rang:
            self._emit(fx.SendJmi(leg.target, "retract", session.sid, Cause.UNAVAILABLE, condition="gone"))
            self._reject_received(leg, Cause.UNAVAILABLE)
            self._idle(session)

    def _peer_unavailable(self, gone: ev.PeerUnavailable) -> None:
        session = self.session
        if session is None:
            return
        leg = session.leg
        if not leg.peer_full or gone.full_jid.lower() != leg.peer_full.lower():
            return
        if leg.phase is Phase.RINGING and not session.outgoing:
            self._stop_calling(leg.peer_bare, Side.REMOTE)
            self._idle(session, Record.MISSED)
        elif leg.phase is Phase.RINGING and not session.via_jmi:  # the resource we called directly left
            self._reject_received(leg, Cause.UNAVAILABLE)
            self._idle(session)
        elif leg.phase is not Phase.RINGING:
            self._end(session, local=False, notify=False)

    def _network_lost(self) -> None:
        """Losing the server ends the call here (the peer notices the silence on its side)."""
        if self.session is not None:
            self._end(self.session, local=False, notify=False)

    # --- ending ------------------------------------------------------------------------------
    def _over(self, session: Session) -> None:
        for leg in session.legs.values():
            leg.phase = Phase.ENDED
        self._cancel_timers(session)
        self._remember(session.sid)

    def _idle(self, session: Session, record: Record | None = None) -> None:
        """A call that never connected is over: back to appState 3."""
        self._over(session)
        leg = session.leg
        kind = record if record is not None else (Record.OUTGOING if session.outgoing else Record.MISSED)
        self._emit(fx.WriteHistory(kind, leg.peer_bare, leg.peer_dn, session.created))
        if self.session is session:
            self.session = None
            self._set_state(AppState.NORMAL)
        self._emit(fx.CloseMedia(leg.key))

    def _end(
        self,
        session: Session,
        *,
        local: bool,
        cause: Cause | None = None,
        condition: str = "success",
        notify: bool = True,
    ) -> None:
        """A call that was answered is over: tell the peer (unless it told us), close, announce."""
        leg = session.leg
        if leg.phase is Phase.ENDED or self.session is not session:
            return
        was_active = leg.phase is Phase.ACTIVE
        duration = leg.duration(self._now)
        self._over(session)
        if notify and leg.peer_full:
            self._emit(fx.SendTerminate(leg.peer_full, session.sid, cause, condition))
            if session.via_jmi:
                self._emit(fx.SendJmi(leg.peer_full, "finish", session.sid, cause, condition=condition))
        if was_active:
            if not local:
                self._publish("participantLeftConference", peerId=leg.peer_id)
            self._set_state(AppState.CLOSE)
        self._emit(fx.CloseMedia(leg.key))
        if was_active:
            self._emit(fx.RemoveSlot(leg.peer_id))
            self._publish("conferenceDeleted", confId=session.conf_id)
        elif session.outgoing and not local:
            self._reject_received(leg, Cause.FAILED if cause is None else cause)
        else:
            self._stop_calling(leg.peer_id, Side.LOCAL if local else Side.REMOTE)
        kind = Record.OUTGOING if session.outgoing else Record.INCOMING
        self._emit(fx.WriteHistory(kind, leg.peer_bare, leg.peer_dn, leg.connected_at or session.created, duration))
        self.session = None
        self._set_state(AppState.NORMAL)
