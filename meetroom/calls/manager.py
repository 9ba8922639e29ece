"""The room's calls: one point-to-point call at a time, driven by API commands and stanzas.

Every transition of docs/calls.md lives here: propose/ring/answer over JMI, offer/answer over
Jingle, media connected → the API's "conference", and every way a call ends. The XMPP side is
in signalling.py, the media in media.py; this module decides and announces.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from meetroom import ids
from meetroom.calls import views
from meetroom.calls.call import Call, Phase
from meetroom.calls.history import INCOMING, MISSED, OUTGOING, CallHistory
from meetroom.calls.jingle_flow import JingleFlow
from meetroom.calls.signalling import JmiMessage, Signalling
from meetroom.core.appstate import AppState
from meetroom.core.tasks import TaskSet
from meetroom.net.jingle import (
    jmi,
    session_terminate,
)

if TYPE_CHECKING:
    from meetroom.app import Room
    from meetroom.calls.media import CallMedia
    from meetroom.media.rtc import IcePolicy

log = logging.getLogger(__name__)

NO_RINGING_SECONDS = 5.0  # a propose no resource rings for means nobody can take the call
INITIATE_TIMEOUT = 10.0  # our proceed → the caller's session-initiate
CALLEE_GRACE = 2.0  # the callee rings a little longer than the caller, so the caller's retract wins
RECENT_SIDS = 64


class CallError(Exception):
    """A call command that cannot be carried out now; the text says why."""


def _bare(jid: str) -> str:
    return jid.partition("/")[0].lower()


class CallManager(JingleFlow):
    def __init__(self, room: Room) -> None:
        self.room = room
        self.history = CallHistory(room.store, limit=lambda: room.settings.get("callHistoryLimit"))
        self.signalling = Signalling(room.net, self)
        self.call: Call | None = None
        self._recent: list[str] = []  # sids of ended calls: late stanzas for them are acknowledged quietly
        self._tasks = TaskSet()
        room.bus.add_listener(self._on_event)
        room.appstate.on_change(self._on_appstate)
        room.settings.on_change(self._on_setting)

    # --- small helpers ------------------------------------------------------------------
    def _publish(self, event: str, fields: dict[str, Any]) -> None:
        self.room.bus.publish(event, fields)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task:
        return self._tasks.spawn(coro)

    def _timer(self, call: Call, seconds: float, action: Any) -> None:
        async def fire() -> None:
            await asyncio.sleep(seconds)
            if self.call is call and call.phase is not Phase.ENDED:
                await action()

        call.timers.append(self._spawn(fire()))

    @property
    def own_full(self) -> str:
        session = self.room.net.session
        return session.full_jid if session is not None else ""

    @property
    def own_bare(self) -> str:
        return self.room.net.account_id

    def _peer_dn(self, bare: str) -> str:
        return self.room.net.peer_dn(bare)

    def policy(self) -> IcePolicy:
        """ICE host addresses: `--ice-host` when given, else the iceHostAddresses setting.

        aiortc is imported here, at the first call, so that starting a room stays quick.
        """
        from meetroom.media.rtc import IcePolicy, parse_hosts

        hosts = tuple(self.room.options.ice_hosts) or parse_hosts(str(self.room.settings.get("iceHostAddresses")))
        return IcePolicy(hosts=hosts)

    def ring_timeout(self) -> float:
        return float(self.room.settings.get("callRingTimeout"))

    def _set_state(self, state: AppState) -> None:
        current = self.room.appstate.state
        if state == AppState.NORMAL and current < AppState.NORMAL:
            return  # the network went away meanwhile: its state wins
        self.room.appstate.update(state=state)

    def _remember(self, sid: str) -> None:
        self._recent.append(sid)
        del self._recent[:-RECENT_SIDS]

    # --- API commands -------------------------------------------------------------------
    def normalise(self, peer: str) -> str:
        try:
            return ids.instance_or_call_id(peer, self.room.net.domain)
        except ids.IdError as exc:
            raise CallError(str(exc)) from None

    async def place_call(self, peer: str) -> None:
        if not self.room.net.logged_in:
            raise CallError("not logged in: send login first")
        if self.call is not None or self.room.appstate.state != AppState.NORMAL:
            raise CallError("a call is already in progress")
        target = self.normalise(peer)
        bare = _bare(target)
        if target == self.own_full or (bare == self.own_bare and "/" not in target):
            raise CallError("a room cannot call itself")
        try:
            self.policy()
        except ValueError as exc:
            raise CallError(f"iceHostAddresses: {exc}") from None
        sid = jmi.new_sid()
        call = self._new_call(
            sid, bare, outgoing=True, owner=self.own_full, target=target, peer_full=target if "/" in target else ""
        )
        self.call = call
        self.signalling.send_jmi(target, jmi.propose(sid))
        self._publish("inviteSent", {"confId": call.conf_id, "peerId": target, "peerDn": call.peer_dn, "confType": 0})
        self._set_state(AppState.WAIT)
        self._timer(call, self.ring_timeout(), lambda: self._no_answer(call))
        wait = 0.0 if self._known_offline(target) else NO_RINGING_SECONDS
        self._timer(call, wait, lambda: self._nobody_rings(call))

    def _known_offline(self, target: str) -> bool:
        """A contact whose presence we receive and that has no resource online cannot ring."""
        bare = _bare(target)
        contact = self.room.net.contacts.get(bare)
        if contact is None or contact.subscription not in ("to", "both"):
            return False
        seen = self.room.net.presence.get(bare)
        resources = seen.resources if seen is not None else {}
        return target not in resources if "/" in target else not resources

    async def accept(self) -> None:
        call = self.call
        if call is None or call.outgoing or call.phase is not Phase.RINGING:
            raise CallError("there is no incoming call to accept")
        call.cancel_timers()
        call.phase = Phase.NEGOTIATING
        if call.via_jmi:
            self.signalling.send_jmi(call.peer_full, jmi.simple("proceed", call.sid))
            self.signalling.send_jmi(self.own_bare, jmi.simple("accept", call.sid))
        if call.offer_jingle is not None:
            self._spawn(self._answer(call))
        else:
            self._timer(call, INITIATE_TIMEOUT, lambda: self._end(call, local=True, cause=10, condition="timeout"))

    async def reject(self) -> None:
        call = self.call
        if call is None or call.outgoing or call.phase is not Phase.RINGING:
            raise CallError("there is no incoming call to reject")
        self._decline(call, cause=0, condition="decline")
        self._publish_reject_sent(call, 0)
        self._idle(call)

    async def hang_up(self) -> None:
        call = self.call
        if call is None:
            raise CallError("there is no call to hang up")
        if call.phase is Phase.RINGING:
            if call.outgoing:
                self.signalling.send_jmi(call.target, jmi.ending("retract", call.sid, condition="cancel"))
            else:
                self._decline(call, cause=0, condition="decline")
                self._publish_reject_sent(call, 0)
            self._publish("stopCalling", {"peerId": call.peer_id, "side": 0})
            self._idle(call)
            return
        await self._end(call, local=True)

    def _publish_reject_sent(self, call: Call, cause: int) -> None:
        fields = {"confId": call.conf_id, "peerId": call.peer_bare, "peerDn": call.peer_dn, "cause": cause}
        self._publish("rejectSent", fields)

    def _decline(self, call: Call, *, cause: int, condition: str) -> None:
        if call.via_jmi:
            element = jmi.ending("reject", call.sid, cause, condition=condition)
            self.signalling.send_jmi(call.peer_full, element)
            self.signalling.send_jmi(self.own_bare, jmi.ending("reject", call.sid, cause, condition=condition))
        else:
            terminate = session_terminate(call.sid, cause, condition=condition)
            self.signalling.send_jingle_nowait(call.peer_full, terminate)

    # --- what the API reads -------------------------------------------------------------
    def conferences(self) -> dict[str, Any]:
        if self.call is None:
            raise CallError("the room is not in a call")
        return views.conference(self.call)

    def participants(self) -> dict[str, Any]:
        call = self.call
        if call is None or call.phase is not Phase.ACTIVE:
            raise CallError("the room is not in a call")
        return views.participants(call, self.own_full, self.room.net.display_name, self.room.media.mutes)

    def active_media(self, peer: str) -> CallMedia:
        call = self.call
        if call is None or call.phase is not Phase.ACTIVE or call.media is None:
            raise CallError("the room is not in a call")
        if peer not in (call.peer_id, call.peer_bare) and _bare(peer) != call.peer_bare:
            raise CallError(f"'{peer}' is not in the call")
        return call.media

    # --- JMI in -------------------------------------------------------------------------
    def jmi_received(self, message: JmiMessage) -> None:
        action, sender = message.action, message.sender
        own_full, own_bare = self.own_full, self.own_bare
        if not own_full or sender.lower() == own_full.lower():
            return  # our own copy of what we sent to our bare JID
        call = self.call
        mine = call is not None and call.sid == action.sid
        # JMI from another instance of this account is about a call it answered or declined,
        # unless that instance is the other party of our call (instances may call each other)
        elsewhere = _bare(sender) == own_bare and action.kind != "propose"
        if mine and (call.outgoing or sender == call.peer_full):
            elsewhere = False
        if message.carbon == "sent" or elsewhere:
            # another instance of this account answered or declined the call we are ringing for
            if (
                mine
                and not call.outgoing
                and call.phase is Phase.RINGING
                and action.kind in ("proceed", "accept", "reject")
            ):
                self._publish("stopCalling", {"peerId": call.peer_bare, "side": 1})
                self._idle(call, record=MISSED)
            return
        if "/" in message.to and message.to.lower() != own_full.lower():
            return  # a carbon of something addressed to another instance of this account
        if action.kind == "propose":
            if not message.delayed and action.sid not in self._recent:
                self._incoming(sender, action)
            return
        if not mine:
            return
        assert call is not None
        if action.kind == "ringing" and call.outgoing:
            call.rang.add(sender)
        elif action.kind == "proceed" and call.outgoing:
            self._proceeded(call, sender)
        elif action.kind == "reject" and call.outgoing:
            self._rejected(call, sender, action)
        elif action.kind == "retract" and not call.outgoing and sender == call.peer_full:
            if call.phase is Phase.RINGING:
                self._publish("stopCalling", {"peerId": call.peer_bare, "side": 1})
                self._idle(call, record=MISSED)
            else:
                self._spawn(self._end(call, local=False, notify=False))
        elif action.kind == "finish" and sender == call.peer_full:
            self._spawn(self._end(call, local=False, notify=False))

    def jmi_failed(self, sid: str, sender: str, condition: str) -> None:
        call = self.call
        if call is None or call.sid != sid or not call.outgoing or call.phase is not Phase.RINGING:
            return
        cause = 5 if condition == "item-not-found" else 3
        self._publish("rejectReceived", {"peerId": call.peer_id, "peerDn": call.peer_dn, "cause": cause})
        self._idle(call)

    def _incoming(self, sender: str, action: jmi.JmiAction) -> None:
        bare = _bare(sender)
        if self.call is not None and self.call.sid == action.sid:
            return  # the same propose again (carbon and direct copy)
        if self._tie_break(sender, action):
            return
        if self.call is not None or self.room.appstate.state != AppState.NORMAL:
            self.signalling.send_jmi(sender, jmi.ending("reject", action.sid, 2, condition="busy"))
            conf_id = jmi.conf_id_for(action.sid, self.room.net.domain)
            dn = self._peer_dn(bare)
            self._publish("rejectSent", {"confId": conf_id, "peerId": bare, "peerDn": dn, "cause": 2})
            self.history.add(MISSED, bare, dn, "", time.time(), 0)
            return
        self._ring(self._proposed(sender, action.sid))

    def _new_call(self, sid: str, bare: str, *, outgoing: bool, owner: str, **extra: Any) -> Call:
        """A call with what every call derives from its id and peer: the confId and the peer's name."""
        conf_id = jmi.conf_id_for(sid, self.room.net.domain)
        return Call(sid, outgoing, bare, conf_id, self._peer_dn(bare), owner=owner, **extra)

    def _proposed(self, sender: str, sid: str, **extra: Any) -> Call:
        """An incoming call from `sender` (a JMI propose, or a Jingle offer without one)."""
        return self._new_call(sid, _bare(sender), outgoing=False, owner=sender, peer_full=sender, **extra)

    def _tie_break(self, sender: str, action: jmi.JmiAction) -> bool:
        """Both sides proposed to each other at once (XEP-0353): the lower id wins.

        Losing, our own propose is dropped (the peer rejects it with <tie-break/>) and theirs is
        answered at once, since this room wanted that call anyway. Winning, theirs is rejected.
        """
        call = self.call
        if call is None or not call.outgoing or call.phase is not Phase.RINGING or call.peer_bare != _bare(sender):
            return False
        if action.sid.encode() < call.sid.encode():
            log.info("simultaneous calls with %s: theirs (%s) wins", sender, action.sid)
            call.phase = Phase.ENDED
            call.cancel_timers()
            self._remember(call.sid)
            self.call = None
            self._ring(self._proposed(sender, action.sid))
            self._spawn(self._accept_quietly())
        else:
            reject = jmi.ending("reject", action.sid, condition="expired", tie_break=True)
            self.signalling.send_jmi(sender, reject)
        return True

    def _ring(self, call: Call) -> None:
        self.call = call
        if call.via_jmi:
            self.signalling.send_jmi(call.peer_full, jmi.simple("ringing", call.sid))
        self._publish(
            "inviteReceived",
            {"confId": call.conf_id, "peerId": call.peer_bare, "peerDn": call.peer_dn, "type": 0, "confTitle": ""},
        )
        self._set_state(AppState.WAIT)
        self._timer(call, self.ring_timeout() + CALLEE_GRACE, lambda: self._callee_timeout(call))
        if self.room.settings.get("autoAccept"):
            self._spawn(self._accept_quietly())

    async def _accept_quietly(self) -> None:
        with contextlib.suppress(CallError):  # already answered by then
            await self.accept()

    async def _callee_timeout(self, call: Call) -> None:
        if call.phase is Phase.RINGING:
            self._decline(call, cause=16, condition="timeout")
            self._publish("stopCalling", {"peerId": call.peer_bare, "side": 0})
            self._idle(call, record=MISSED)

    async def _no_answer(self, call: Call) -> None:
        if call.phase is Phase.RINGING:
            self.signalling.send_jmi(
                call.target, jmi.ending("retract", call.sid, 16, condition="timeout", text="no answer")
            )
            self._publish("rejectReceived", {"peerId": call.peer_id, "peerDn": call.peer_dn, "cause": 16})
            self._idle(call)

    async def _nobody_rings(self, call: Call) -> None:
        if call.phase is Phase.RINGING and not call.rang:
            self.signalling.send_jmi(call.target, jmi.ending("retract", call.sid, 3, condition="gone"))
            self._publish("rejectReceived", {"peerId": call.peer_id, "peerDn": call.peer_dn, "cause": 3})
            self._idle(call)

    def _rejected(self, call: Call, sender: str, action: jmi.JmiAction) -> None:
        if call.phase is not Phase.RINGING:
            return
        call.rejected.add(sender)
        declined = action.reason is None or action.reason.condition == "decline"
        if not declined and call.rang - call.rejected:
            return  # busy or timed out there, but another resource still rings
        if call.rang - call.rejected:  # declined on one device: the others stop ringing too
            self.signalling.send_jmi(call.target, jmi.ending("retract", call.sid, condition="cancel"))
        cause = action.reason.cause if action.reason else 0
        self._publish("rejectReceived", {"peerId": call.peer_id, "peerDn": call.peer_dn, "cause": cause})
        self._idle(call)

    def _proceeded(self, call: Call, sender: str) -> None:
        if call.phase is not Phase.RINGING or ("/" in call.target and sender != call.target):
            if sender != call.peer_full:
                # lost the race: tell that resource to stop waiting for our session-initiate
                self.signalling.send_jmi(sender, jmi.ending("retract", call.sid, condition="cancel"))
            return
        call.cancel_timers()
        call.peer_full = sender
        call.phase = Phase.NEGOTIATING
        self._spawn(self._offer(call))

    # --- connected ------------------------------------------------------------------------
    def _connected(self, call: Call) -> None:
        call.cancel_timers()
        call.phase = Phase.ACTIVE
        call.connected_at = time.time()
        self._set_state(AppState.CONFERENCE)
        self._publish("conferenceCreated", views.conference_fields(call))
        self._publish("peerAccepted", {"peerId": call.peer_id, "peerDn": call.peer_dn, "confId": call.conf_id})
        self._publish(
            "newParticipantInConference",
            {**views.peer(call), "extraVideo": 0, "confId": call.conf_id},
        )
        self.room.video_matrix.add_slot(call.peer_id, call.peer_dn)
        self._publish("videoMatrixChanged", self.room.video_matrix.snapshot())
        for what in ("mic", "video"):
            if self.room.media.mutes[what]:
                self._send_mute(call, what, True)

    def _on_event(self, message: dict[str, Any]) -> None:
        """Our own mute changes go to the peer as session-info while a call is up."""
        event = message.get("event")
        call = self.call
        if call is None or call.phase is not Phase.ACTIVE:
            return
        if event == "audioCapturerMute":
            self._send_mute(call, "mic", bool(message.get("mute")))
        elif event == "videoCapturerMute":
            self._send_mute(call, "video", bool(message.get("mute")))

    def _on_appstate(self, snapshot: dict[str, Any]) -> None:
        """Losing the server ends the call here (the peer notices the silence on its side)."""
        call = self.call
        if call is not None and snapshot.get("appState", 0) < AppState.NORMAL:
            self._spawn(self._end(call, local=False, notify=False))

    def _on_setting(self, name: str, value: Any) -> None:
        """outputBandWidth changed: the running call's video encoder follows at once."""
        call = self.call
        if name == "outputBandWidth" and call is not None and call.media is not None:
            call.media.set_output_bandwidth(int(value))

    def _media_lost(self, call: Call, reason: str) -> None:
        if self.call is call and call.phase is not Phase.ENDED:
            log.info("call %s: %s", call.sid, reason)
            self._spawn(self._end(call, local=False, cause=10, condition="connectivity-error"))

    def peer_unavailable(self, full_jid: str) -> None:
        call = self.call
        if call is None or not call.peer_full or full_jid.lower() != call.peer_full.lower():
            return
        if call.phase is Phase.RINGING and not call.outgoing:
            self._publish("stopCalling", {"peerId": call.peer_bare, "side": 1})
            self._idle(call, record=MISSED)
        elif call.phase is not Phase.RINGING:
            self._spawn(self._end(call, local=False, notify=False))

    # --- ending -----------------------------------------------------------------------------
    def _idle(self, call: Call, record: int | None = None) -> None:
        """A call that never connected is over: back to appState 3."""
        call.phase = Phase.ENDED
        call.cancel_timers()
        self._remember(call.sid)
        kind = record if record is not None else (OUTGOING if call.outgoing else MISSED)
        self.history.add(kind, call.peer_bare, call.peer_dn, "", call.created, 0)
        if call.media is not None:
            self._spawn(call.media.close())
        if self.call is call:
            self.call = None
            self._set_state(AppState.NORMAL)

    async def _end(
        self,
        call: Call,
        *,
        local: bool,
        cause: int | None = None,
        condition: str = "success",
        notify: bool = True,
    ) -> None:
        if call.phase is Phase.ENDED or self.call is not call:
            return
        was_active = call.phase is Phase.ACTIVE
        call.phase = Phase.ENDED
        call.cancel_timers()
        self._remember(call.sid)
        if notify and call.peer_full:
            self.signalling.send_jingle_nowait(call.peer_full, session_terminate(call.sid, cause, condition=condition))
            if call.via_jmi:
                self.signalling.send_jmi(call.peer_full, jmi.ending("finish", call.sid, cause, condition=condition))
        if was_active:
            if not local:
                self._publish("participantLeftConference", {"peerId": call.peer_id})
            self._set_state(AppState.CLOSE)
        if call.media is not None:
            await call.media.close()
        if was_active:
            self.room.video_matrix.remove_slot(call.peer_id)
            self._publish("videoMatrixChanged", self.room.video_matrix.snapshot())
            self._publish("conferenceDeleted", {"confId": call.conf_id})
        elif call.outgoing and not local:
            code = 10 if cause is None else cause
            self._publish("rejectReceived", {"peerId": call.peer_id, "peerDn": call.peer_dn, "cause": code})
        else:
            self._publish("stopCalling", {"peerId": call.peer_id, "side": 0 if local else 1})
        kind = OUTGOING if call.outgoing else INCOMING
        self.history.add(kind, call.peer_bare, call.peer_dn, "", call.connected_at or call.created, call.duration)
        if self.call is call:
            self.call = None
            self._set_state(AppState.NORMAL)

    async def close(self) -> None:
        call = self.call
        if call is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._end(call, local=True), 3.0)
        self._tasks.cancel_all()
