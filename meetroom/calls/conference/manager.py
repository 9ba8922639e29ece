"""The asyncio driver of the conference machine: feeds it inputs, performs its effects in order.

The decisions are in machine.py (sans-I/O, docs/conferences.md); this module turns its effects
into MUC stanzas (net/muc.py), media legs (a `MediaTopology`, today the mesh), timers,
notifications, appState changes and video-matrix slots, and turns what comes back into inputs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from collections.abc import Callable, Coroutine, Hashable
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from meetroom.calls import route
from meetroom.calls.call import Call
from meetroom.calls.call import Phase as CallPhase
from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference import smart
from meetroom.calls.conference.machine import ConferenceMachine
from meetroom.calls.conference.mesh import MeshTopology, marked_conference
from meetroom.calls.conference.state import Phase, room_jid_for
from meetroom.calls.conference.topology import MediaTopology
from meetroom.calls.env import RoomFactsEnv
from meetroom.calls.errors import CallError
from meetroom.calls.machine.inputs import Input as CallInput
from meetroom.calls.machine.inputs import JingleIn, JmiIn
from meetroom.calls.timers import KeyedTimers
from meetroom.core.appstate import AppState
from meetroom.core.tasks import TaskSet
from meetroom.net import disco
from meetroom.net.chatstore import INCOMING, OUTGOING
from meetroom.net.muc import MucChannel, MucEvent, Occupant

if TYPE_CHECKING:
    from meetroom.calls.manager import CallManager, Notifier
    from meetroom.calls.media import CallMedia
    from meetroom.core.appstate import AppStateMachine
    from meetroom.core.settings import Settings
    from meetroom.core.videomatrix import VideoMatrix
    from meetroom.media.manager import Media
    from meetroom.net.service import NetworkService

log = logging.getLogger(__name__)

CONF_ID = re.compile(r"^[0-9a-z][0-9a-z._-]{0,63}@[^@/#\s]+#vcs$")

CLOSE_WAIT = 3.0
ARCHIVE_MAX = 1000  # messages read from a room's archive at most (getChatLastMessages pages up to 1000)
LEVEL_SAMPLE = 0.2  # seconds between two audio-level samples for the smart meeting's selector


class ConferenceRoomEnv(RoomFactsEnv):
    """The room as the conference machine sees it: the shared facts plus its name, the mesh size,
    the 1:1 call it may take over and the podium setting."""

    def __init__(self, net: NetworkService, appstate: AppStateMachine, settings: Settings, calls: CallManager) -> None:
        super().__init__(net, appstate, settings)
        self._calls = calls

    @property
    def own_name(self) -> str:
        """The room's name on its screen (displayName), which is also its nick in the room."""
        return str(self._settings.get("displayName") or "") or self._net.display_name

    @property
    def mesh_size(self) -> int:
        return int(self._settings.get("conferenceMeshSize"))

    @property
    def call_conf_id(self) -> str:
        call = self._calls.call
        return call.conf_id if call is not None and call.phase is CallPhase.ACTIVE else ""

    @property
    def call_peer(self) -> str:
        call = self._calls.call
        return call.peer_id if call is not None and call.phase is CallPhase.ACTIVE else ""

    @property
    def calling_peer(self) -> str:
        call = self._calls.call
        ringing_out = call is not None and call.outgoing and call.phase in (CallPhase.RINGING, CallPhase.NEGOTIATING)
        return call.peer_bare if call is not None and ringing_out else ""

    @property
    def auto_accept_podium(self) -> bool:
        return bool(self._settings.get("autoAcceptPodiumFromOwner"))


class ConferenceManager:
    """`room.conferences`: the commands' entry point, the machine's driver, and what the API reads."""

    def __init__(
        self,
        net: NetworkService,
        media: Media,
        appstate: AppStateMachine,
        settings: Settings,
        bus: Notifier,
        video_matrix: VideoMatrix,
        calls: CallManager,
    ) -> None:
        self.net, self.media, self.appstate, self.bus, self.video_matrix = net, media, appstate, bus, video_matrix
        self.env = ConferenceRoomEnv(net, appstate, settings, calls)
        self.calls = calls
        self.machine = ConferenceMachine(self.env)
        self.muc = MucChannel(net, self)
        self.topology: MediaTopology = MeshTopology(
            media, settings, calls.signalling, lambda: self.env.own_full, calls.policy
        )
        calls.claims.append(self.topology.claims)
        calls.claims.append(self._claim_expanded_call)
        calls.claims.append(self._called_owner)
        self.topology.on_remote_mutes = self._remote_mutes
        if isinstance(self.topology, MeshTopology):
            self.topology.on_direct_offer = self._direct_offer
        self._archive_read: set[str] = set()  # rooms whose whole archive is in the chat store
        self._sampler: asyncio.Task | None = None  # smart meetings: the level sampler while it runs
        self._asked: set[tuple[str, str]] = set()  # (room, real JID) whose features were asked for
        self._tasks = TaskSet()
        self._closing: set[asyncio.Task] = set()
        self._timers = KeyedTimers(self._tasks, self._timer_fired)
        self.effect_taps: list[Callable[[fx.Effect], None]] = []  # see each effect once performed (meetingpeers.py)
        appstate.on_change(self._on_appstate)

    # --- API commands -------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.machine.busy

    @property
    def ringing(self) -> bool:
        return self.machine.invitation is not None

    async def create(
        self, title: Any, conf_type: Any, auto_accept: bool, invites: list[Any], smart: Any = False, casters: Any = None
    ) -> None:
        service = await self.muc.service() if self.net.logged_in else ""
        local = secrets.token_hex(12)
        create = ev.Create(
            local, service, title, conf_type, bool(auto_accept), tuple(invites), smart=smart, casters=casters
        )
        self.feed(create)

    async def change_mode(self, smart: Any) -> None:
        """changeConferenceMode (meetroom extension): the smart meeting on or off."""
        self.feed(ev.ChangeMode(smart))

    async def invite(self, peer: str) -> None:
        self.feed(ev.Invite(peer))

    async def accept(self) -> None:
        self.feed(ev.Accept())

    async def reject(self) -> None:
        self.feed(ev.Reject())

    async def hang_up(self, for_all: bool = False) -> None:
        self.feed(ev.HangUp(bool(for_all)))

    async def kick(self, peer: str) -> None:
        self.feed(ev.Kick(peer))

    async def set_moderator(self, peer: str, moderator: bool) -> None:
        self.feed(ev.SetModerator(peer, moderator))

    async def send_group_message(self, text: str) -> None:
        self.feed(ev.SendGroup(text))

    async def turn_remote(self, peer: str, device: str, on: bool) -> None:
        self.feed(ev.TurnRemote(peer, device, on))

    async def podium(self, action: str, peer: str = "") -> None:
        self.feed(ev.Podium(action, peer))

    async def start_remark(self) -> None:
        self.feed(ev.StartRemark())

    async def join_by_id(self, conf_id: str) -> None:
        """`call` with a confId: join the room (open) or ask its owner (members-only)."""
        if not self.net.logged_in:
            raise CallError("not logged in: send login first")
        if self.busy or self.appstate.state != AppState.NORMAL:
            raise CallError("the room is busy: end the current call or conference first")
        rest = conf_id.partition("@")[2]
        if not CONF_ID.match(conf_id) or rest.removesuffix("#vcs") != self.net.domain:
            raise CallError(f"'{conf_id}' is not a conference ID of this server (<id>@{self.net.domain}#vcs)")
        room = room_jid_for(conf_id, await self.muc.service())
        try:
            info = await self.muc.room_info(room)
        except ConnectionError as exc:
            raise CallError(str(exc)) from None
        self.feed(ev.JoinById(conf_id, room, info.exists, info.title, info.members_only, info.description))

    async def set_reaction(self, reaction: int) -> None:
        self.feed(ev.SetReaction(reaction))

    async def pin(self, peer: str, pinned: bool) -> None:
        self.feed(ev.Pin(peer, pinned))

    async def expand(self, title: Any, invites: list[Any]) -> None:
        """expandCallToMulti: the connected call's peer and `invites` into a new conference."""
        service = await self.muc.service() if self.net.logged_in else ""
        self.feed(ev.Create(secrets.token_hex(12), service, title, "symmetric", True, tuple(invites), expands=True))

    async def answer_request(self, peer: str, allow: bool) -> None:
        self.feed(ev.AnswerRequest(peer, allow))

    async def waiting_room(self, enable: bool, admit_waiting: bool) -> None:
        self.feed(ev.WaitingRoom(enable, admit_waiting))

    async def send_to_waiting_room(self, peer: str) -> None:
        self.feed(ev.SendToWaitingRoom(peer))

    @property
    def has_join_requests(self) -> bool:
        conf = self.machine.conf
        return conf is not None and bool(conf.join_requests)

    @property
    def conf_id(self) -> str:
        conf = self.machine.conf
        return conf.conf_id if conf is not None else ""

    @property
    def last_conf_type(self) -> int:
        return self.machine.last_conf_type

    def chat_room(self) -> tuple[str, str] | None:
        """(confId, MUC room JID) of the conference this room is in: where files for all are posted."""
        conf = self.machine.conf
        if conf is None or conf.phase is not Phase.ACTIVE:
            return None
        return conf.conf_id, conf.room

    async def read_archive(self, peer: str, wanted: int) -> None:
        """getChatLastMessages on the conference's chat: when the store has fewer than the page
        asks for (the join history is the last 50), older messages come from the room's archive
        (XEP-0313 on the room JID) into the store first; the store drops those it has (stanza-id)."""
        conf = self.machine.conf
        if conf is None or conf.phase is not Phase.ACTIVE or peer != conf.room or conf.room in self._archive_read:
            return
        if wanted <= 0 or len(self.net.last_messages(peer, 0, wanted)) >= wanted:
            return
        try:
            messages, complete = await self.muc.archive(conf.room, min(wanted, ARCHIVE_MAX))
        except ConnectionError as exc:
            log.info("conference %s: no archive: %s", conf.room, exc)
            return
        own_bare, nick = self.env.own_bare, conf.nick
        when = 0.0
        for msg in reversed(messages):  # oldest first
            # archive stamps have whole seconds: within one, the archive's order decides, for the
            # messages already stored (the join history, live ones) too
            when = max(msg.time, when + 1e-6)
            own = msg.real_jid.partition("/")[0].lower() == own_bare if msg.real_jid else msg.nick == nick
            stored = fx.StoreGroupMessage(conf.room, conf.title, own, msg.body, when, msg.msg_id)
            self._store_group_message(stored, retime=True)
        if complete:
            self._archive_read.add(conf.room)  # all of it is here now; live messages keep it current

    def participant_names(self) -> dict[str, str]:
        """Everyone else in the conference now (InstanceId → display name)."""
        conf = self.machine.conf
        if conf is None or conf.phase is not Phase.ACTIVE:
            return {}
        own = self.env.own_full
        return {p.jid: p.dn or p.nick for p in conf.participants.values() if p.jid != own}

    def occupant_account(self, occupant: str) -> tuple[str, str] | None:
        """(confId, bare account) of whoever posts as `occupant` (room/nick) in our conference."""
        conf = self.machine.conf
        room, _, nick = occupant.partition("/")
        if conf is None or room.lower() != conf.room.lower():
            return None
        participant = conf.by_nick(nick)
        if participant is None or "/" not in participant.jid or participant.jid.startswith(conf.room + "/"):
            return None  # a hidden real JID: the poster's account is not known
        return conf.conf_id, participant.jid.partition("/")[0].lower()

    # --- what the API reads -------------------------------------------------------------
    def conferences(self) -> dict[str, Any]:
        return self.machine.conference_view(time.time())

    def participants(self) -> dict[str, Any]:
        return self.machine.participants_view(self.media.mutes, self.topology.peer_media)

    def active_media(self, peer: str) -> CallMedia:
        conf = self.machine.conf
        media = self.topology.media_of(peer) if conf is not None and isinstance(self.topology, MeshTopology) else None
        if media is None:
            raise CallError(f"'{peer}' is not a participant this room receives media from")
        return media

    def _remote_mutes(self, peer: str, mutes: dict[str, bool]) -> None:
        """A participant's own mute changed (session-info on its leg): deviceStatusReceived, as in a call."""
        conf = self.machine.conf
        if conf is not None:
            fields = {"mic": 1 if mutes["mic"] else 2, "video": 1 if mutes["video"] else 2}
            self.bus.publish("deviceStatusReceived", {"confId": conf.conf_id, "peerId": peer, **fields})

    # --- inputs -------------------------------------------------------------------------
    def feed(self, event: ev.Input) -> None:
        """One input through the machine, its effects performed at once (a refusal raises CallError)."""
        self._perform(self.machine.handle(event, time.time()))
        self._hand_call_over()
        if self._sampler is None and smart.listening(self.machine.conf):
            self._sampler = self._tasks.spawn(self._sample_levels())

    # --- smart meetings: what the owner hears feeds the video selector -----------------------
    async def _sample_levels(self) -> None:
        """While this room runs a smart meeting's selector: every leg's audioLevel, a few times a second."""
        try:
            while (conf := self.machine.conf) is not None and smart.listening(conf):
                heard = {jid: self.topology.peer_media(jid)[1].get("audioLevel", 0.0) for jid in conf.legs}
                self._feed_quietly(ev.AudioLevels(heard))
                await asyncio.sleep(LEVEL_SAMPLE)
        finally:
            self._sampler = None

    # --- expandCallToMulti: the 1:1 call ends once the conference carries its peer -------------
    def _expanded_call(self) -> Call | None:
        conf, call = self.machine.conf, self.calls.call
        if conf is None or not conf.expands or call is None or call.conf_id != conf.expands:
            return None
        return call

    def _hand_call_over(self) -> None:
        conf, call = self.machine.conf, self._expanded_call()
        if conf is not None and call is not None and conf.phase is Phase.ACTIVE and call.peer_id in conf.participants:
            self.calls.end_quietly()

    def _claim_expanded_call(self, event: CallInput) -> bool:
        """The peer ended the call being expanded first: end it here as quietly as it did."""
        call = self._expanded_call()
        if call is None:
            return False
        if isinstance(event, JingleIn) and event.sid == call.sid and event.action == "session-terminate":
            self.calls.signalling.ack(event.iq)
            self.calls.end_quietly()
            return True
        return isinstance(event, JmiIn) and event.action.sid == call.sid and event.action.kind == "finish"

    def _called_owner(self, event: CallInput) -> bool:
        """A call to this room while it owns or moderates a conference: a request to join (never claimed: the
        one-to-one machine still answers it busy, after the caller heard where the conference is)."""
        conf = self.machine.conf
        if conf is None or conf.phase is not Phase.ACTIVE or not (conf.is_owner or conf.is_moderator):
            return False
        proposed = isinstance(event, JmiIn) and event.action.kind == "propose" and not event.carbon
        proposed = proposed and not event.delayed
        initiated = isinstance(event, JingleIn) and event.action == "session-initiate"
        if proposed or (initiated and not marked_conference(event.payload)):
            self._feed_quietly(ev.CalledOwner(event.sender))
        return False

    def _feed_quietly(self, event: ev.Input) -> None:
        try:
            self.feed(event)
        except Exception:
            log.exception("handling %s failed", type(event).__name__)

    def muc_event(self, event: MucEvent) -> None:
        """What net/muc.py read from the network (MucListener)."""
        self._feed_quietly(event)
        if isinstance(event, Occupant):
            self._ask_features(event)

    # --- third-party clients in the conference: media when they speak Jingle RTP ---------------
    def _ask_features(self, occ: Occupant) -> None:
        """A participant without meetroom's <mesh/>: its real JID's caps or disco#info decide its leg."""
        conf = self.machine.conf
        key = (occ.room, occ.real_jid)
        if not occ.available:
            self._asked.discard(key)
            return
        if conf is None or occ.room != conf.room or occ.mesh or occ.is_self or not occ.real_jid or key in self._asked:
            return
        self._asked.add(key)
        self._tasks.spawn(self._features(occ.real_jid))

    async def _features(self, jid: str) -> None:
        session = self.net.session
        features = await disco.peer_features(session, jid) if session is not None else None
        speaks = route.speaks_jingle_media(features)
        log.info("conference participant %s: %s", jid, "Jingle RTP: called directly" if speaks else "no Jingle media")
        self._feed_quietly(ev.PeerMedia(jid, speaks))

    def _direct_offer(self, sender: str) -> bool:
        """A session-initiate without the mesh marker: a third-party participant's own call is its leg."""
        conf = self.machine.conf
        who = conf.participants.get(sender) if conf is not None and conf.phase is Phase.ACTIVE else None
        if who is None or who.mesh:
            return False
        self._feed_quietly(ev.PeerMedia(sender, True))  # it offered Jingle: whatever its disco said
        return True

    def _timer_fired(self, key: Hashable) -> None:
        self._feed_quietly(ev.TimerFired(str(key)))

    def _on_appstate(self, snapshot: dict[str, Any]) -> None:
        if self.machine.busy and snapshot.get("appState", 0) < AppState.NORMAL:
            self._feed_quietly(ev.NetworkLost())

    # --- effects ------------------------------------------------------------------------
    def _perform(self, effects: list[fx.Effect]) -> None:
        for index, effect in enumerate(effects):
            if isinstance(effect, fx.CloseMedia):
                # what follows (slots, conferenceDeleted, appState 3) waits until the media is gone
                task = self._tasks.spawn(self._close_then(effects[index + 1 :]))
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)
                return
            try:
                self._do(effect)
                for tap in self.effect_taps:
                    tap(effect)
            except Exception:
                log.exception("performing %s failed", effect)

    async def _close_then(self, rest: list[fx.Effect]) -> None:
        await self.topology.close()
        self._perform(rest)

    def _background(self, outcome: Coroutine[Any, Any, bool]) -> None:
        self._tasks.spawn(outcome)

    def _do(self, effect: fx.Effect) -> None:
        muc = self.muc
        match effect:
            case fx.Join():
                muc.join(effect.room, effect.nick)
                self.topology.prepare()
            case fx.Leave():
                muc.leave(effect.room, effect.nick)
            case fx.Configure():
                self._tasks.spawn(self._configure(effect))
            case fx.SetRole():
                self._background(muc.set_role(effect.room, effect.nick, effect.role))
            case fx.SetAffiliation():
                self._background(muc.set_affiliation(effect.room, effect.jid, effect.affiliation))
            case fx.Destroy():
                self._background(muc.destroy(effect.room))
            case fx.SendGroup():
                muc.send_group(effect.room, effect.body)
            case fx.StoreGroupMessage():
                self._store_group_message(effect)
            case fx.SendInvite():
                muc.invite(effect.to, effect.room, effect.title, effect.fields)
            case fx.SendDecline():
                muc.decline(effect.to, effect.conf_id, effect.cause)
            case fx.SendSignal():
                muc.signal(effect.to, effect.conf_id, effect.name, effect.attrs)
            case fx.SendRoomSignal():
                muc.room_signal(effect.room, effect.conf_id, effect.name, effect.attrs)
            case fx.RequestVoice():
                muc.request_voice(effect.room)
            case fx.SetOwnMute():
                self.media.set_mute(effect.what, effect.muted)
            case fx.StartTimer():
                self._timers.start(effect.name, effect.seconds)
            case fx.CancelTimer():
                self._timers.cancel(effect.name)
            case fx.ConnectLegs():
                self.topology.connect(effect.conf_id, effect.legs)
            case fx.UpdateLegs():
                self.topology.update(effect.legs)
            case fx.DisconnectLegs():
                self.topology.disconnect(effect.peers)
            case fx.Publish():
                self.bus.publish(effect.event, {k: _plain(v) for k, v in effect.fields.items()})
            case fx.SetAppState():
                self.appstate.update(state=effect.state)
            case fx.AddSlot():
                self.video_matrix.add_slot(effect.peer, effect.peer_dn)
                self.bus.publish("videoMatrixChanged", self.video_matrix.snapshot())
            case fx.EndCallQuietly():
                self.calls.end_quietly()
            case fx.RemoveSlot():
                self.video_matrix.remove_slot(effect.peer)
                self.media.forget_peer_frames(effect.peer)
                self.bus.publish("videoMatrixChanged", self.video_matrix.snapshot())

    def _store_group_message(self, effect: fx.StoreGroupMessage, *, retime: bool = False) -> None:
        net = self.net
        net.group_chats[effect.room] = effect.title
        direction = OUTGOING if effect.outgoing else INCOMING
        ids = [f"s:{effect.msg_id}"] if effect.msg_id else []
        net.chats.add(net.account_id, effect.room, direction, effect.body, effect.time, ids, retime=retime)

    async def _configure(self, effect: fx.Configure) -> None:
        try:
            ok = await self.muc.configure(effect.room, effect.values)
        except ConnectionError:
            ok = False
        self._feed_quietly(ev.Configured(effect.room, ok))

    # --- end ------------------------------------------------------------------------------
    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.feed(ev.Shutdown())
            if self._closing:
                await asyncio.wait_for(asyncio.gather(*self._closing), CLOSE_WAIT)
        self._tasks.cancel_all()


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, IntEnum) else value
