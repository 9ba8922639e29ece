"""The asyncio driver of the call machine: feeds it inputs, performs its effects in order.

The decisions are in machine/ (sans-I/O, docs/calls.md); this module only turns its effects into
stanzas (signalling.py), peer connections (media.py, negotiation.py), timers, notifications,
appState changes and history rows, and turns what comes back into the machine's inputs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Hashable
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Protocol

from meetroom.calls import negotiation, route, views
from meetroom.calls.call import Call, Phase
from meetroom.calls.env import RoomEnv
from meetroom.calls.errors import CallError
from meetroom.calls.history import CallHistory
from meetroom.calls.iceservers import ExternalIceServers
from meetroom.calls.machine import CallMachine, LegKey, TimerKey
from meetroom.calls.machine import effects as fx
from meetroom.calls.machine import inputs as ev
from meetroom.calls.signalling import Signalling
from meetroom.calls.timers import KeyedTimers
from meetroom.core.appstate import AppState
from meetroom.core.tasks import TaskSet
from meetroom.net import disco
from meetroom.net.jingle import jmi, session_terminate
from meetroom.net.jingle.info import session_info

if TYPE_CHECKING:
    from meetroom.calls.media import CallMedia
    from meetroom.core.appstate import AppStateMachine
    from meetroom.core.settings import Settings
    from meetroom.core.videomatrix import VideoMatrix
    from meetroom.media.manager import Media
    from meetroom.media.rtc import IcePolicy
    from meetroom.net.service import NetworkService
    from meetroom.store.db import Store

__all__ = ["CallError", "CallManager"]

log = logging.getLogger(__name__)
CLOSE_WAIT = 3.0  # seconds the room's shutdown waits for a call to end


class Notifier(Protocol):
    """Where the calls announce themselves (the API's event bus; calls/ sits below the API)."""

    def publish(self, event: str, fields: dict[str, Any] | None = None) -> None: ...


class CallManager:
    """`room.calls`: the commands' entry point, the machine's driver, and what the API reads."""

    def __init__(
        self,
        net: NetworkService,
        media: Media,
        appstate: AppStateMachine,
        settings: Settings,
        bus: Notifier,
        video_matrix: VideoMatrix,
        store: Store,
        ice_hosts: tuple[str, ...] = (),
    ) -> None:
        self.net, self.media, self.appstate, self.settings = net, media, appstate, settings
        self.bus, self.video_matrix, self.ice_hosts = bus, video_matrix, ice_hosts
        self.history = CallHistory(store, bus, limit=lambda: settings.get("callHistoryLimit"))
        self._legs: dict[LegKey, CallMedia] = {}
        self.env = RoomEnv(net, appstate, settings, media, self._legs)
        self.machine = CallMachine(self.env)
        self.signalling = Signalling(net, self)
        # other users of the call stanzas (a conference's media legs) take theirs before the machine
        self.claims: list[Callable[[ev.Input], bool]] = []
        self._watchers: dict[LegKey, asyncio.Task] = {}  # each leg's wait for "connected"
        self._tasks = TaskSet()
        self._closing: set[asyncio.Task] = set()
        self._timers = KeyedTimers(self._tasks, self._timer_fired)
        self._leg_listeners: list[Callable[[str, bool, bool], None]] = []
        self._joined_legs: set[LegKey] = set()  # legs whose start the listeners heard of
        self._media_openers: list[Callable[[], None]] = []
        self.ice_servers = ExternalIceServers(net, settings, self._tasks)  # XEP-0215, off by default
        media.on_mute_change(lambda what, muted: self._feed_quietly(ev.OwnMute(what, muted)))
        appstate.on_change(self._on_appstate)
        settings.on_change(self._on_setting)

    def on_leg_change(self, listener: Callable[[str, bool, bool], None]) -> None:
        """`listener(peer InstanceId, joined, session over)` when a leg's media connects or closes (calls/peers.py)."""
        self._leg_listeners.append(listener)

    def on_media_open(self, listener: Callable[[], None]) -> None:
        """`listener()` right before a leg's peer connection is made (codec choices, calls/tonesrtp.py)."""
        self._media_openers.append(listener)

    def _leg_changed(self, peer: str, joined: bool, over: bool) -> None:
        for listener in self._leg_listeners:
            try:
                listener(peer, joined, over)
            except Exception:
                log.exception("a leg listener failed")

    def policy(self) -> IcePolicy:
        """ICE host addresses: `--ice-host` when given, else the iceHostAddresses setting.

        aiortc is imported here, at the first call, so that starting a room stays quick.
        """
        from meetroom.media.rtc import IcePolicy, parse_hosts

        hosts = tuple(self.ice_hosts) or parse_hosts(str(self.settings.get("iceHostAddresses")))
        return IcePolicy(hosts=hosts, ice_servers=self.ice_servers.rtc_servers())

    # --- API commands -------------------------------------------------------------------
    def normalise(self, peer: str) -> str:
        return self.machine.normalise(peer)

    async def place_call(self, peer: str) -> None:
        try:
            self.policy()
            ice_error = ""
        except ValueError as exc:
            ice_error = str(exc)
        direct = await self._direct_target(peer) if not ice_error else ""
        await self.ice_servers.refresh_if_stale()
        self.feed(ev.PlaceCall(peer, jmi.new_sid(), ice_error, direct))

    async def _direct_target(self, peer: str) -> str:
        """A resource of the callee that speaks Jingle RTP but not JMI (calls/route.py), or ""."""
        session = self.net.session if self.net.logged_in else None
        if session is None or self.machine.session is not None:
            return ""  # the machine refuses this call anyway
        try:
            target = self.machine.normalise(peer)
        except CallError:
            return ""
        bare = target.partition("/")[0].lower()
        if bare == self.env.own_bare:
            return ""  # another instance of this account: a meetroom room, JMI
        if "/" in target:
            resources = [target]
        else:
            seen = self.net.presence.get(bare)
            resources = list(seen.resources) if seen is not None else []
        found = await asyncio.gather(*(disco.peer_features(session, jid) for jid in resources))
        return route.direct_target(dict(zip(resources, found, strict=True)))

    async def accept(self) -> None:
        self.feed(ev.Accept())

    async def reject(self) -> None:
        self.feed(ev.Reject())

    async def hang_up(self) -> None:
        self.feed(ev.HangUp())

    def end_quietly(self) -> None:
        """The call goes on as a conference (expandCallToMulti): end it without announcing it.

        The peer is told (session-terminate) and the media closes; the notifications, appState
        changes and slot removal of an ordinary hang-up are left out, since the conference that
        took the call over keeps the room in appState 5 with the same participant.
        """
        if self.machine.session is None:
            return
        quiet = (fx.Publish, fx.SetAppState, fx.RemoveSlot)
        self._perform([e for e in self.machine.handle(ev.HangUp(), time.time()) if not isinstance(e, quiet)])

    # --- what the API reads -------------------------------------------------------------
    @property
    def call(self) -> Call | None:
        """The current call as commands and replies see it (None when idle)."""
        session = self.machine.session
        if session is None:
            return None
        leg = session.leg
        return Call(session, leg, self._legs.get(leg.key))

    def conferences(self) -> dict[str, Any]:
        call = self.call
        if call is None:
            raise CallError("the room is not in a call")
        return views.conference(call)

    def participants(self) -> dict[str, Any]:
        call = self.call
        if call is None or call.phase is not Phase.ACTIVE:
            raise CallError("the room is not in a call")
        return views.participants(call, self.env.own_full, self.net.display_name, self.media.mutes)

    def active_media(self, peer: str) -> CallMedia:
        call = self.call
        if call is None or call.phase is not Phase.ACTIVE or call.media is None:
            raise CallError("the room is not in a call")
        if peer not in (call.peer_id, call.peer_bare) and peer.partition("/")[0].lower() != call.peer_bare:
            raise CallError(f"'{peer}' is not in the call")
        return call.media

    def set_receiving(self, peer: str, kind: str, enable: bool) -> None:
        """Stop or resume taking a participant's audio or video; announced once per change."""
        media = self.active_media(peer)
        if media.receive[kind] == enable:
            return
        media.receive[kind] = enable
        if kind == "video" and not enable:
            self.media.forget_peer_frames(media.peer_id)
        if kind == "audio" and not enable:
            media.audio_level = 0.0
        event = "enableVideoReceivingChanged" if kind == "video" else "enableAudioReceivingChanged"
        self.bus.publish(event, {"peerId": media.peer_id, "enable": enable})

    # --- inputs -------------------------------------------------------------------------
    def feed(self, event: ev.Input) -> None:
        """One input through the machine, its effects performed at once (a refusal raises CallError)."""
        self._perform(self.machine.handle(event, time.time()))

    def signal(self, event: ev.Input) -> None:
        """What signalling.py read from the network (SignalListener); claimed stanzas skip the machine."""
        if any(claim(event) for claim in self.claims):
            return
        self.feed(event)

    def _feed_quietly(self, event: ev.Input) -> None:
        try:
            self.feed(event)
        except Exception:
            log.exception("handling %s failed", type(event).__name__)

    def _timer_fired(self, key: Hashable) -> None:
        assert isinstance(key, TimerKey)
        self._feed_quietly(ev.TimerFired(key))

    def _on_appstate(self, snapshot: dict[str, Any]) -> None:
        if self.machine.session is not None and snapshot.get("appState", 0) < AppState.NORMAL:
            self._feed_quietly(ev.NetworkLost())

    def _on_setting(self, name: str, value: Any) -> None:
        """outputBandWidth changed: the running call's video encoder follows at once."""
        if name == "outputBandWidth":
            for media in self._legs.values():
                media.set_output_bandwidth(int(value))

    # --- effects ------------------------------------------------------------------------
    def _perform(self, effects: list[fx.Effect]) -> None:
        for index, effect in enumerate(effects):
            if isinstance(effect, fx.CloseMedia) and effect.leg in self._legs:
                # what follows a close (conferenceDeleted, appState 3) waits until the media is gone
                task = self._tasks.spawn(self._close_then(self._release(effect.leg), effects[index + 1 :]))
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)
                return
            try:
                self._do(effect)
            except Exception:
                log.exception("performing %s failed", effect)

    def _release(self, leg: LegKey) -> CallMedia:
        """Forget the leg's media at once, so that nothing uses it while it closes."""
        watcher = self._watchers.pop(leg, None)
        if watcher is not None:
            watcher.cancel()
        media = self._legs.pop(leg)
        if leg in self._joined_legs:
            self._joined_legs.discard(leg)
            session = self.machine.session
            self._leg_changed(media.peer_id, False, session is None or session.sid != leg.sid)
        return media

    async def _close_then(self, media: CallMedia, rest: list[fx.Effect]) -> None:
        await media.close()
        self._perform(rest)

    def _do(self, effect: fx.Effect) -> None:
        match effect:
            case fx.SendJmi():
                self.signalling.send_jmi(effect.to, _jmi_element(effect))
            case fx.SendTerminate():
                terminate = session_terminate(effect.sid, effect.cause, condition=effect.condition)
                self.signalling.send_jingle_nowait(effect.to, terminate)
            case fx.SendMute():
                media = self._legs.get(effect.leg)
                if media is not None:
                    mid = media.mids().get("audio" if effect.what == "mic" else "video", "")
                    payload = "mute" if effect.muted else "unmute"
                    self.signalling.send_jingle_nowait(effect.to, session_info(effect.leg.sid, payload, name=mid))
            case fx.SendInfo():
                self.signalling.send_jingle_nowait(effect.to, session_info(effect.sid, effect.payload))
            case fx.SendDescription():
                self._tasks.spawn(self._send_description(effect))
            case fx.Ack():
                self.signalling.ack(effect.iq)
            case fx.IqError():
                self.signalling.error(effect.iq, effect.condition, effect.jingle_condition, etype=effect.etype)
            case fx.Publish():
                self.bus.publish(effect.event, {k: _plain(v) for k, v in effect.fields.items()})
            case fx.SetAppState():
                self.appstate.update(state=effect.state)
            case fx.WriteHistory():
                self.history.add(int(effect.kind), effect.peer, effect.peer_dn, "", effect.start, effect.duration)
            case fx.AddSlot():
                self.video_matrix.add_slot(effect.peer, effect.peer_dn)
                self.bus.publish("videoMatrixChanged", self.video_matrix.snapshot())
            case fx.RemoveSlot():
                self.video_matrix.remove_slot(effect.peer)
                self.bus.publish("videoMatrixChanged", self.video_matrix.snapshot())
            case fx.StartTimer():
                self._timers.start(effect.key, effect.seconds)
            case fx.CancelTimer():
                self._timers.cancel(effect.key)
            case fx.MakeOffer():
                self._open(effect.leg, effect.peer_full, "offer", lambda media: self._offer(effect.leg, media))
            case fx.MakeAnswer():
                self._open(effect.leg, effect.peer_full, "answer", lambda media: self._answer(effect, media))
            case fx.ApplyAnswer():
                self._tasks.spawn(self._apply_answer(effect))
            case fx.AddCandidates():
                media = self._legs.get(effect.leg)
                if media is not None:
                    self._tasks.spawn(negotiation.add_candidates(media, effect.transport_info))
            case fx.CloseMedia():
                pass  # no media was opened for this leg

    # --- media of a leg -------------------------------------------------------------------
    def _open(self, leg: LegKey, peer_full: str, step: str, negotiate: Any) -> None:
        """A peer connection for `leg`, registered at once so that a CloseMedia finds it."""
        from meetroom.calls.media import CallMedia

        for opener in self._media_openers:
            opener()
        try:
            media = CallMedia(self.media, self.settings, self.policy(), lambda why: self._lost(leg, why))
        except ValueError as exc:
            log.warning("cannot open the media: %s", exc)
            asyncio.get_running_loop().call_soon(self._feed_quietly, ev.MediaRefused(leg, step))
            return
        media.peer_id = peer_full
        media.on_bitrate = lambda kbps: self.bus.publish("outgoingBitrateChanged", {"bitrate": kbps})
        self._legs[leg] = media
        self._watchers[leg] = self._tasks.spawn(self._watch_connected(leg, media))
        self._tasks.spawn(negotiate(media))

    def _lost(self, leg: LegKey, reason: str) -> None:
        self._feed_quietly(ev.MediaLost(leg, reason))

    async def _watch_connected(self, leg: LegKey, media: CallMedia) -> None:
        await media.connected.wait()
        self._watchers.pop(leg, None)
        self._feed_quietly(ev.MediaConnected(leg))
        call = self.call
        if call is not None and call.phase is Phase.ACTIVE and self._legs.get(leg) is media:
            self._joined_legs.add(leg)
            self._leg_changed(media.peer_id, True, False)

    async def _offer(self, leg: LegKey, media: CallMedia) -> None:
        try:
            element = await negotiation.offer(media, leg.sid, self.env.own_full)
        except negotiation.REFUSALS as exc:
            log.warning("cannot make the offer: %s", exc)
            self._feed_quietly(ev.MediaRefused(leg, "offer"))
            return
        self._feed_quietly(ev.LocalDescription(leg, element))

    async def _answer(self, effect: fx.MakeAnswer, media: CallMedia) -> None:
        try:
            element = await negotiation.answer(
                media, effect.offer, effect.leg.sid, self.env.own_full, effect.peer_is_meetroom
            )
        except negotiation.REFUSALS as exc:
            log.warning("cannot answer the offer: %s", exc)
            self._feed_quietly(ev.MediaRefused(effect.leg, "answer"))
            return
        self._feed_quietly(ev.LocalDescription(effect.leg, element))

    async def _apply_answer(self, effect: fx.ApplyAnswer) -> None:
        media = self._legs.get(effect.leg)
        if media is None:
            return
        try:
            await negotiation.apply_answer(media, effect.answer, effect.peer_is_meetroom)
        except negotiation.REFUSALS as exc:
            log.warning("cannot use the answer: %s", exc)
            self._feed_quietly(ev.MediaRefused(effect.leg, "apply"))

    async def _send_description(self, effect: fx.SendDescription) -> None:
        ok = await self.signalling.send_jingle(effect.to, effect.jingle)
        self._feed_quietly(ev.JingleDelivered(effect.leg, ok))

    # --- end ------------------------------------------------------------------------------
    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.feed(ev.Shutdown())
            if self._closing:
                await asyncio.wait_for(asyncio.gather(*self._closing), CLOSE_WAIT)
        self._tasks.cancel_all()


def _jmi_element(effect: fx.SendJmi) -> Any:
    if effect.kind == "propose":
        return jmi.propose(effect.sid)
    if effect.kind in ("ringing", "proceed", "accept"):
        return jmi.simple(effect.kind, effect.sid)
    return jmi.ending(
        effect.kind,
        effect.sid,
        effect.cause,
        condition=effect.condition,
        text=effect.text,
        tie_break=effect.tie_break,
    )


def _plain(value: Any) -> Any:
    """Enum codes go out as the plain integers the API always sent."""
    return int(value) if isinstance(value, IntEnum) else value
