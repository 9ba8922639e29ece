"""The conference state machine: docs/conferences.md as inputs → effects.

One conference (or one ringing invitation) at a time. `handle` never does I/O: what it needs to
know about the room it reads from a `ConferenceEnv`; what it wants done it returns as effects
(effects.py) for the driver to perform in order. A refused command raises CallError and leaves
the state as it was (every check runs before the first change).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from meetroom import ids
from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference import views
from meetroom.calls.conference.admission import Admission
from meetroom.calls.conference.podium import PodiumRules
from meetroom.calls.conference.reactions import Reactions
from meetroom.calls.conference.state import (
    ASYMMETRIC,
    CONF_TYPES,
    ROLE_BASED,
    TYPE_NAMES,
    Conference,
    Invitation,
    LegSpec,
    Participant,
    Phase,
    bare,
    conf_id_for_room,
    describe,
    group_chat_id,
)
from meetroom.calls.errors import CallError
from meetroom.core.appstate import AppState
from meetroom.net.muc import ConfSignal, Decline, GroupMessage, Occupant, VoiceRequest
from meetroom.net.muc import Invitation as InvitationIn

log = logging.getLogger(__name__)

JOIN_TIMEOUT = 10.0  # join presence → our own presence (and the configuration, for the owner)
LEAVE_TIMEOUT = 3.0  # unavailable presence → the room's answer; then the conference is over anyway
MAX_NICK_TRIES = 5

# rejectReceived causes (shared/spec/xmpp.md §6.6)
DECLINED, LIMIT, BUSY, ACCESS_DENIED, FAILED, NO_ANSWER, NOT_FOUND = 0, 1, 2, 8, 10, 16, 19
JOIN_ERRORS = {"registration-required": ACCESS_DENIED, "forbidden": ACCESS_DENIED, "service-unavailable": LIMIT}
JOIN_ERRORS |= {"item-not-found": NOT_FOUND}


class ConferenceEnv(Protocol):
    """What the machine may read about the room; the driver answers from the live services."""

    @property
    def own_full(self) -> str: ...
    @property
    def own_bare(self) -> str: ...
    @property
    def own_name(self) -> str: ...
    @property
    def domain(self) -> str: ...
    @property
    def logged_in(self) -> bool: ...
    @property
    def app_state(self) -> AppState: ...
    @property
    def ring_timeout(self) -> float: ...
    @property
    def auto_accept(self) -> bool: ...
    @property
    def mesh_size(self) -> int: ...
    @property
    def auto_accept_podium(self) -> bool: ...
    @property
    def call_conf_id(self) -> str: ...  # the connected 1:1 call's confId, "" when none
    @property
    def call_peer(self) -> str: ...  # its peer's InstanceId
    def peer_dn(self, bare: str) -> str: ...


def room_config(title: str, conf_type: int, auto_accept: bool, owner: str) -> dict[str, Any]:
    """The room form of shared/spec/xmpp.md §6.7: temporary, hidden, non-anonymous; the description
    names type and owner for those who join by confId (state.describe)."""
    return {
        "muc#roomconfig_roomname": title,
        "muc#roomconfig_roomdesc": describe(owner, conf_type),
        "muc#roomconfig_persistentroom": False,
        "muc#roomconfig_publicroom": False,
        "muc#roomconfig_whois": "anyone",
        "muc#roomconfig_membersonly": not auto_accept,
        "muc#roomconfig_moderatedroom": conf_type != 1,
        "muc#roomconfig_changesubject": False,
        "muc#roomconfig_enablearchiving": True,
    }


class ConferenceMachine(PodiumRules, Admission, Reactions):
    def __init__(self, env: ConferenceEnv) -> None:
        self.env = env
        self.conf: Conference | None = None
        self.invitation: Invitation | None = None
        self.last_conf_type = 0  # getLastSelectedConference: the type of the last conference taken part in
        self._out: list[fx.Effect] = []
        self._now = 0.0
        self._handlers: dict[type, Callable[[Any], None]] = {
            ev.Create: self._create,
            ev.Invite: self._invite_cmd,
            ev.Accept: lambda _: self._accept(),
            ev.Reject: lambda _: self._reject(),
            ev.HangUp: self._hang_up,
            ev.Kick: self._kick,
            ev.SetModerator: self._set_moderator,
            ev.SendGroup: self._send_group,
            ev.Shutdown: lambda _: self._shutdown(),
            ev.NetworkLost: lambda _: self._network_lost(),
            ev.Configured: self._configured,
            ev.TimerFired: self._timer_fired,
            Occupant: self._occupant,
            GroupMessage: self._group_message,
            InvitationIn: self._invitation,
            Decline: self._decline_in,
            ev.TurnRemote: self._turn_remote,
            ev.Podium: self._podium,
            ConfSignal: self._signal_in,
            VoiceRequest: self._voice_request,
            ev.JoinById: self._join_by_id,
            ev.AnswerRequest: self._answer_request,
            ev.WaitingRoom: self._waiting_room,
            ev.SendToWaitingRoom: self._send_to_waiting_room,
            ev.SetReaction: self._set_reaction,
            ev.Pin: self._pin,
        }

    def handle(self, event: ev.Input, now: float) -> list[fx.Effect]:
        self._out, self._now = [], now
        self._handlers[type(event)](event)
        out, self._out = self._out, []
        return out

    @property
    def busy(self) -> bool:
        """In a conference or invited to one: the one-to-one machine must not take a call."""
        return self.conf is not None or self.invitation is not None

    # --- helpers ------------------------------------------------------------------------------
    def _emit(self, *effects: fx.Effect) -> None:
        self._out.extend(effects)

    def _publish(self, event: str, **fields: Any) -> None:
        self._emit(fx.Publish(event, fields))

    def _set_state(self, state: AppState) -> None:
        if self.env.app_state < AppState.NORMAL:
            return  # the network went away meanwhile: its state (0..2) wins
        self._emit(fx.SetAppState(state))

    def _timer(self, name: str, seconds: float) -> None:
        if self.conf is not None:
            self.conf.timers.add(name)
        self._emit(fx.StartTimer(name, seconds))

    def _cancel(self, name: str) -> None:
        if self.conf is not None:
            self.conf.timers.discard(name)
        self._emit(fx.CancelTimer(name))

    def _normalise(self, peer: Any) -> str:
        if not isinstance(peer, str):
            raise CallError("a peer ID must be a string")
        try:
            return ids.instance_or_call_id(peer, self.env.domain)
        except ids.IdError as exc:
            raise CallError(str(exc)) from None

    def _active(self, what: str) -> Conference:
        conf = self.conf
        if conf is None or conf.phase is not Phase.ACTIVE:
            raise CallError(f"the room is not in a conference: cannot {what}")
        return conf

    def _participant(self, conf: Conference, peer: Any, what: str) -> Participant:
        """The participant an InstanceId names (a CallId or PeerId is refused: it may name several)."""
        text = self._normalise(peer)
        if "/" not in text:
            raise CallError(f"{what} needs the participant's InstanceId (user@server/instance), not '{peer}'")
        if text.lower() == self.env.own_full.lower():
            raise CallError(f"{what}: '{peer}' is this room itself")
        found = next((p for p in conf.participants.values() if p.jid.lower() == text.lower()), None)
        if found is None:
            raise CallError(f"'{peer}' is not in the conference")
        return found

    def _free_places(self, conf: Conference) -> int:
        return self.env.mesh_size - 1 - len(conf.participants) - len(conf.invited)

    # --- createConference / inviteToConference ------------------------------------------------
    def _create(self, cmd: ev.Create) -> None:
        env = self.env
        if not env.logged_in:
            raise CallError("not logged in: send login first")
        if cmd.expands:
            if self.busy or not env.call_conf_id:
                raise CallError("there is no connected call to expand into a conference")
        elif self.busy or env.app_state != AppState.NORMAL:
            raise CallError("the room is busy: end the current call or conference first")
        if cmd.conf_type not in CONF_TYPES:
            raise CallError("confType must be one of 'symmetric', 'asymmetric', 'role'")
        if not isinstance(cmd.title, str) or not cmd.title.strip():
            raise CallError("title must be a non-empty string")
        targets: list[str] = []
        for peer in cmd.invites:
            target = self._normalise(peer)
            if bare(target) == env.own_bare:
                raise CallError("inviteList must not name this room itself (it is the owner)")
            if target not in targets:
                targets.append(target)
        if cmd.expands and env.call_peer not in targets and bare(env.call_peer) not in targets:
            targets.insert(0, env.call_peer)  # the call's peer comes along
        if len(targets) + 1 > env.mesh_size:
            raise CallError(f"the conference is full: at most {env.mesh_size} participants (conferenceMeshSize)")
        room = f"{cmd.local}@{cmd.service}".lower()
        conf_type = CONF_TYPES[cmd.conf_type]
        self.conf = Conference(
            conf_id=conf_id_for_room(room, env.domain),
            room=room,
            title=cmd.title.strip(),
            conf_type=conf_type,
            owner=env.own_full,
            auto_accept=cmd.auto_accept,
            created=self._now,
            nick=env.own_name or env.own_bare.partition("@")[0],
            created_here=True,
            to_invite=tuple(targets),
            expands=env.call_conf_id if cmd.expands else "",
        )
        self._emit(fx.Join(room, self.conf.nick))
        if not cmd.expands:  # an expanded call stays in appState 5 throughout
            self._set_state(AppState.WAIT)
        self._timer("join", JOIN_TIMEOUT)

    def _invite_cmd(self, cmd: ev.Invite) -> None:
        conf = self._active("invite")
        target = self._normalise(cmd.peer)
        if not (conf.is_owner or conf.is_moderator):
            raise CallError("only the conference owner or a moderator can invite")
        if bare(target) == self.env.own_bare and ("/" not in target or target == self.env.own_full):
            raise CallError("a room cannot invite itself")
        present = any(p.jid.lower() == target.lower() or bare(p.jid) == target for p in conf.participants.values())
        if present:
            raise CallError(f"'{cmd.peer}' is already in the conference")
        if bare(target) in conf.invited:
            raise CallError(f"'{cmd.peer}' is invited already; waiting for the answer")
        if self._free_places(conf) <= 0:
            raise CallError(f"the conference is full: at most {self.env.mesh_size} participants (conferenceMeshSize)")
        self._send_invite(conf, target)

    def _send_invite(self, conf: Conference, target: str) -> None:
        dn = self.env.peer_dn(bare(target))
        if not conf.auto_accept:
            self._emit(fx.SetAffiliation(conf.room, bare(target), "member"))  # members-only: let the invitee in
        fields = {"id": conf.conf_id, "title": conf.title, "type": TYPE_NAMES[conf.conf_type], "owner": conf.owner}
        if conf.expands and target == self.env.call_peer:
            fields["expands"] = conf.expands
        self._emit(fx.SendInvite(target, conf.room, conf.title, fields))
        conf.invited[bare(target)] = dn
        self._publish("inviteSent", confId=conf.conf_id, peerId=target, peerDn=dn, confType=conf.conf_type)

    def _configured(self, done: ev.Configured) -> None:
        conf = self.conf
        if conf is None or conf.room != done.room or conf.phase is not Phase.JOINING:
            return
        if done.ok:
            self._activate(conf)
        else:
            log.warning("conference %s: the room refused its configuration", conf.room)
            self._emit(fx.Leave(conf.room, conf.nick))
            self._abandon(conf, FAILED)

    # --- invitations in -----------------------------------------------------------------------
    def _invitation(self, inv: InvitationIn) -> None:
        env = self.env
        if self.conf is not None and self.conf.room == inv.room:
            return  # an invitation into the conference we are in
        if self.invitation is not None and self.invitation.room == inv.room:
            return  # the same invitation again
        fields = inv.fields
        conf_id = fields.get("id") or conf_id_for_room(inv.room, env.domain)
        inviter_dn = env.peer_dn(bare(inv.sender))
        expands = fields.get("expands", "")
        if expands and not self.busy and expands == env.call_conf_id and inv.sender == env.call_peer:
            # the peer of our call turns it into a conference: join at once, nothing rings
            self.invitation = Invitation(
                conf_id,
                inv.room,
                inv.sender,
                inviter_dn,
                fields.get("title") or inv.reason,
                CONF_TYPES.get(fields.get("type", ""), 1),
                fields.get("owner") or inv.sender,
                expands,
            )
            self._accept()
            return
        if self.busy or env.app_state != AppState.NORMAL or not env.logged_in:
            self._emit(fx.SendDecline(inv.sender, conf_id, BUSY))
            self._publish("rejectSent", confId=conf_id, peerId=bare(inv.sender), peerDn=inviter_dn, cause=BUSY)
            return
        invitation = Invitation(
            conf_id=conf_id,
            room=inv.room,
            inviter=inv.sender,
            inviter_dn=inviter_dn,
            title=fields.get("title") or inv.reason,
            conf_type=CONF_TYPES.get(fields.get("type", ""), 1),
            owner=fields.get("owner") or inv.sender,
        )
        self.invitation = invitation
        self._publish(
            "inviteReceived",
            confId=conf_id,
            peerId=invitation.inviter_bare,
            peerDn=inviter_dn,
            type=invitation.conf_type,
            confTitle=invitation.title,
        )
        self._set_state(AppState.WAIT)
        self._emit(fx.StartTimer("ring", env.ring_timeout))
        if env.auto_accept:
            self._accept()

    def _ringing(self, what: str) -> Invitation:
        if self.invitation is None:
            raise CallError(f"there is no conference invitation to {what}")
        return self.invitation

    def _accept(self) -> None:
        inv = self._ringing("accept")
        env = self.env
        self.invitation = None
        if not inv.expands:
            self._emit(fx.CancelTimer("ring"))
        self.conf = Conference(
            conf_id=inv.conf_id,
            room=inv.room,
            title=inv.title,
            conf_type=inv.conf_type,
            owner=inv.owner,
            auto_accept=True,
            created=self._now,
            nick=env.own_name or env.own_bare.partition("@")[0],
            created_here=False,
            inviter=inv.inviter,
            expands=inv.expands,
        )
        self._emit(fx.Join(inv.room, self.conf.nick))
        self._timer("join", JOIN_TIMEOUT)

    def _reject(self) -> None:
        inv = self._ringing("reject")
        self._decline(inv, DECLINED)

    def _decline(self, inv: Invitation, cause: int) -> None:
        self.invitation = None
        self._emit(fx.CancelTimer("ring"), fx.SendDecline(inv.inviter, inv.conf_id, cause))
        self._publish("rejectSent", confId=inv.conf_id, peerId=inv.inviter_bare, peerDn=inv.inviter_dn, cause=cause)
        self._set_state(AppState.NORMAL)

    def _decline_in(self, decline: Decline) -> None:
        conf = self.conf
        who = bare(decline.sender)
        if conf is None or decline.conf_id != conf.conf_id or who not in conf.invited:
            return
        dn = conf.invited.pop(who)
        self._publish("rejectReceived", peerId=who, peerDn=dn, cause=decline.cause)

    # --- the room's presences -----------------------------------------------------------------
    def _occupant(self, occ: Occupant) -> None:
        conf = self.conf
        if conf is None or occ.room != conf.room:
            return
        if occ.error:
            self._join_error(conf, occ)
        elif occ.destroyed or occ.is_self or (not occ.available and occ.nick == conf.nick):
            self._own_presence(conf, occ)
        elif occ.available:
            self._present(conf, occ)
        else:
            self._gone(conf, occ)

    def _join_error(self, conf: Conference, occ: Occupant) -> None:
        if conf.phase is not Phase.JOINING:
            return
        if occ.error == "conflict" and conf.nick_tries < MAX_NICK_TRIES:
            conf.nick_tries += 1
            base = conf.nick.rsplit("-", 1)[0] if conf.nick_tries > 2 else conf.nick
            conf.nick = f"{base}-{conf.nick_tries}"
            self._emit(fx.Join(conf.room, conf.nick))
            return
        log.warning("conference %s: join refused (%s)", conf.room, occ.error)
        self._abandon(conf, JOIN_ERRORS.get(occ.error, FAILED))

    def _abandon(self, conf: Conference, cause: int) -> None:
        """A conference that never became active here is over: back to appState 3."""
        for name in sorted(conf.timers):
            self._emit(fx.CancelTimer(name))
        self.conf = None
        if not conf.created_here:
            who = bare(conf.inviter or conf.owner)
            dn = self.env.peer_dn(who) if who else conf.title
            self._publish("rejectReceived", peerId=who or conf.conf_id, peerDn=dn, cause=cause)
        if not conf.expands:  # an expansion that failed leaves the call as it was
            self._set_state(AppState.NORMAL)

    def _own_presence(self, conf: Conference, occ: Occupant) -> None:
        if not occ.available or occ.destroyed:
            if conf.phase is Phase.JOINING:
                self._abandon(conf, FAILED)
            else:
                self._finish(conf)
            return
        before = (conf.affiliation, conf.role)
        conf.affiliation, conf.role = occ.affiliation, occ.role
        if occ.affiliation == "owner":
            conf.owner = self.env.own_full
        if conf.phase is Phase.JOINING:
            if conf.created_here and 201 in occ.codes:
                self._emit(
                    fx.Configure(conf.room, room_config(conf.title, conf.conf_type, conf.auto_accept, conf.owner))
                )
            else:
                self._activate(conf)
        elif conf.phase is Phase.ACTIVE and before != (conf.affiliation, conf.role):
            self._role_event(conf, self.env.own_full, self.env.own_name, conf.affiliation, conf.role)
            self._connect(conf)

    def _activate(self, conf: Conference) -> None:
        self._cancel("join")
        if not conf.created_here and len(conf.participants) + 1 > self.env.mesh_size:
            log.info("conference %s is full (%d present)", conf.room, len(conf.participants))
            self._emit(fx.Leave(conf.room, conf.nick))
            self._abandon(conf, LIMIT)
            return
        conf.phase = Phase.ACTIVE
        self.last_conf_type = conf.conf_type
        self._set_state(AppState.CONFERENCE)
        self._emit(fx.Publish("conferenceCreated", views.conference_fields(conf, self.env.mesh_size)))
        for who in list(conf.participants.values()):
            self._announce(conf, who)
            self._seat(conf, who)
        self._connect(conf)
        for target in conf.to_invite:
            self._send_invite(conf, target)
        conf.to_invite = ()

    def _present(self, conf: Conference, occ: Occupant) -> None:
        jid = occ.real_jid or f"{conf.room}/{occ.nick}"
        known = conf.participants.get(jid)
        if known is None:
            who = Participant(
                jid, occ.nick, self._name(occ), occ.affiliation, occ.role, mesh=occ.mesh, joined_at=self._now
            )
            conf.participants[jid] = who
            if who.owner:
                conf.owner = jid
            if conf.phase is Phase.ACTIVE:
                self._announce(conf, who)
                self._seat(conf, who)
                self._connect(conf)
            return
        before = (known.affiliation, known.role)
        known.affiliation, known.role, known.nick = occ.affiliation, occ.role, occ.nick
        if known.owner:
            conf.owner = jid
        if conf.phase is Phase.ACTIVE and before != (known.affiliation, known.role):
            if known.voice:
                conf.podium_invited.discard(jid)
                conf.podium_requests.discard(jid)
            self._role_event(conf, jid, known.dn, known.affiliation, known.role)
            self._connect(conf)

    def _name(self, occ: Occupant) -> str:
        """A participant's display name: the address book's for a named contact, else its nick (its own name)."""
        if not occ.real_jid:
            return occ.nick
        account = bare(occ.real_jid)
        dn = self.env.peer_dn(account)
        named = dn and dn not in (account, account.partition("@")[0])  # not just the ID's fallback
        return dn if named else occ.nick

    def _announce(self, conf: Conference, who: Participant) -> None:
        self._emit(fx.Publish("newParticipantInConference", views.joined(conf, who)))
        self._emit(fx.AddSlot(who.jid, who.dn))
        invited = conf.invited.pop(bare(who.jid), None)
        if invited is not None:
            self._publish("peerAccepted", peerId=who.jid, peerDn=who.dn, confId=conf.conf_id)

    def _role_event(self, conf: Conference, jid: str, dn: str, affiliation: str, role: str) -> None:
        ranks = views._ranks(conf, affiliation, role)
        self._publish(
            "roleEventOccured",
            confId=conf.conf_id,
            peerId=jid,
            peerDn=dn,
            role=2 if affiliation == "owner" else 1,
            type=3,
            result=0,
            broadcast=ranks["broadcast"],
            moderator=role == "moderator",
        )

    def _gone(self, conf: Conference, occ: Occupant) -> None:
        jid = occ.real_jid or f"{conf.room}/{occ.nick}"
        who = conf.participants.pop(jid, None) or conf.by_nick(occ.nick)
        if who is None:
            return
        conf.participants.pop(who.jid, None)
        if conf.pinned == who.jid:
            conf.pinned = ""
        if conf.phase is not Phase.ACTIVE:
            return
        conf.podium_invited.discard(who.jid)
        conf.podium_requests.discard(who.jid)
        if who.jid in conf.legs:
            del conf.legs[who.jid]
            self._emit(fx.DisconnectLegs((who.jid,)))
        self._emit(fx.RemoveSlot(who.jid))
        self._publish("participantLeftConference", peerId=who.jid)

    # --- media legs ---------------------------------------------------------------------------
    def _wanted(self, conf: Conference) -> dict[str, bool]:
        """Whom this room exchanges media with, and whether it sends on that leg.

        Every meetroom participant, except: asymmetric, owner ↔ others only; role-based, a leg
        needs someone on the podium at one end, and only the podium sends.
        """
        out = {}
        for who in conf.participants.values():
            if not who.mesh:
                continue
            if conf.conf_type == ASYMMETRIC and not (conf.is_owner or who.owner):
                continue
            if conf.conf_type == ROLE_BASED:
                if not (conf.voice or who.voice):
                    continue
                out[who.jid] = conf.voice
            else:
                out[who.jid] = True
        return out

    def _connect(self, conf: Conference) -> None:
        """Tell the topology what changed: legs to end, legs whose sending changes, legs to start."""
        wanted = self._wanted(conf)
        own = self.env.own_full.encode()
        stale = tuple(jid for jid in conf.legs if jid not in wanted)
        if stale:
            for jid in stale:
                del conf.legs[jid]
            self._emit(fx.DisconnectLegs(stale))
        specs = {jid: LegSpec(jid, own < jid.encode(), send) for jid, send in wanted.items()}
        changed = [spec for jid, spec in specs.items() if conf.legs.get(jid, spec.send) != spec.send]
        if changed:
            conf.legs.update((leg.peer, leg.send) for leg in changed)
            self._emit(fx.UpdateLegs(tuple(changed)))
        new = [spec for jid, spec in specs.items() if jid not in conf.legs]
        if new:
            conf.legs.update((leg.peer, leg.send) for leg in new)
            self._emit(fx.ConnectLegs(conf.conf_id, tuple(new)))

    # --- group chat ---------------------------------------------------------------------------
    def _send_group(self, cmd: ev.SendGroup) -> None:
        conf = self._active("send a group message")
        if not isinstance(cmd.text, str) or not cmd.text:
            raise CallError("message must be a non-empty string")
        self._emit(fx.SendGroup(conf.room, cmd.text))

    def _group_message(self, msg: GroupMessage) -> None:
        conf = self.conf
        if conf is None or msg.room != conf.room or conf.phase is not Phase.ACTIVE or msg.delayed:
            return
        own = msg.nick == conf.nick
        self._emit(fx.StoreGroupMessage(conf.room, conf.title, own, msg.body, msg.time, msg.msg_id))
        if own:
            self._publish("groupChatMessageSent", message=msg.body)
            return
        who = conf.by_nick(msg.nick)
        peer = who.jid if who is not None else f"{conf.room}/{msg.nick}"
        self._publish(
            "incomingGroupChatMessage",
            peerId=peer,
            peerDn=who.dn if who is not None else msg.nick,
            chatId=group_chat_id(conf.room),
            message=msg.body,
            time=int(msg.time),
            confId=conf.conf_id,
        )

    # --- owner and moderator commands -----------------------------------------------------------
    def _kick(self, cmd: ev.Kick) -> None:
        conf = self._active("kick a participant")
        who = self._participant(conf, cmd.peer, "kickPeer")
        if not (conf.is_owner or conf.is_moderator):
            raise CallError("only the conference owner or a moderator can kick a participant")
        if who.owner:
            raise CallError("the conference owner cannot be kicked")
        self._emit(fx.SetRole(conf.room, who.nick, "none"))

    def _set_moderator(self, cmd: ev.SetModerator) -> None:
        conf = self._active("change a moderator")
        who = self._participant(conf, cmd.peer, "setModeratorRole")
        if not isinstance(cmd.moderator, bool):
            raise CallError("moderator must be true or false")
        if not conf.is_owner:
            raise CallError("only the conference owner can give or take moderator rights")
        if who.owner:
            raise CallError("the conference owner is a moderator anyway")
        wanted = "moderator" if cmd.moderator else "participant"
        if who.role != wanted:
            self._emit(fx.SetRole(conf.room, who.nick, wanted))

    def _signal_in(self, signal: ConfSignal) -> None:
        conf = self.conf
        if conf is None or signal.conf_id != conf.conf_id:
            return
        if self._admission_signal(conf, signal) or conf.phase is not Phase.ACTIVE:
            return
        if signal.name == "reaction":
            self._reaction_in(conf, signal)
            return
        sender = conf.participants.get(signal.sender)
        if sender is not None:  # only a participant of our conference may signal us
            self._podium_signal(conf, sender, signal)

    # --- leaving and ending -------------------------------------------------------------------
    def _hang_up(self, cmd: ev.HangUp) -> None:
        if self.invitation is not None and self.conf is None:
            self._decline(self.invitation, DECLINED)
            return
        conf = self.conf
        if conf is None:
            raise CallError("the room is not in a conference")
        if conf.phase is Phase.LEAVING:
            raise CallError("the room is leaving the conference already")
        if conf.phase is Phase.REQUESTING:
            self._stop_requesting(conf, timed_out=False)
            return
        if cmd.for_all:
            if conf.is_owner:
                self._emit(fx.Destroy(conf.room))
            elif conf.is_moderator:
                for who in conf.participants.values():
                    if not who.owner:
                        self._emit(fx.SetRole(conf.room, who.nick, "none"))
                self._emit(fx.Leave(conf.room, conf.nick))
            else:
                raise CallError("only the conference owner or a moderator can end the conference for all")
        else:
            if conf.is_owner:
                self._hand_over(conf)
            self._emit(fx.Leave(conf.room, conf.nick))
        if conf.phase is Phase.JOINING:
            self._abandon(conf, FAILED)
            return
        conf.phase = Phase.LEAVING
        self._timer("leave", LEAVE_TIMEOUT)

    def _hand_over(self, conf: Conference) -> None:
        """The owner leaves without ending it: a moderator (else the longest present) becomes owner."""
        others = [w for w in conf.participants.values() if bare(w.jid) != conf.room]  # real JIDs only
        if not others:
            return
        others.sort(key=lambda w: (not w.moderator, w.joined_at, w.jid))
        self._emit(fx.SetAffiliation(conf.room, bare(others[0].jid), "owner"))

    def _finish(self, conf: Conference) -> None:
        """We are out of the room (left, kicked, destroyed): appState 6, media closed, then 3."""
        for name in sorted(conf.timers):
            self._emit(fx.CancelTimer(name))
        self.conf = None
        self._set_state(AppState.CLOSE)
        self._emit(fx.CloseMedia())
        for who in conf.participants.values():
            self._emit(fx.RemoveSlot(who.jid))
        self._publish("conferenceDeleted", confId=conf.conf_id)
        self._set_state(AppState.NORMAL)

    def _shutdown(self) -> None:
        conf = self.conf
        if conf is not None:
            self._emit(fx.Leave(conf.room, conf.nick))
            self._finish(conf)
        elif self.invitation is not None:
            self._decline(self.invitation, DECLINED)

    def _network_lost(self) -> None:
        self.invitation = None
        if self.conf is not None:
            self._finish(self.conf)

    def _timer_fired(self, fired: ev.TimerFired) -> None:
        if fired.name == "ring":
            if self.invitation is not None:
                self._decline(self.invitation, NO_ANSWER)
            return
        conf = self.conf
        if conf is None or fired.name not in conf.timers:
            return
        conf.timers.discard(fired.name)
        if fired.name == "join" and conf.phase is Phase.JOINING:
            self._emit(fx.Leave(conf.room, conf.nick))
            self._abandon(conf, FAILED)
        elif fired.name == "leave" and conf.phase is Phase.LEAVING:
            self._finish(conf)
        elif fired.name == "request" and conf.phase is Phase.REQUESTING:
            self._stop_requesting(conf, timed_out=True)
        elif fired.name == "podium" and conf.podium_invitation:
            self._podium_answer(conf, 2)

    # --- what the API reads --------------------------------------------------------------------
    def conference_view(self, now: float) -> dict[str, Any]:
        return views.conference(self._active("list conferences"), self.env.mesh_size, now)

    def participants_view(
        self, own_mutes: Mapping[str, bool], peer_media: Callable[[str], tuple[Mapping[str, bool], dict[str, Any]]]
    ) -> dict[str, Any]:
        conf = self._active("list participants")
        me = views.me(conf, self.env.own_full, self.env.own_name, own_mutes)
        others = [views.participant(conf, who, *peer_media(who.jid)) for who in conf.participants.values()]
        return {"confId": conf.conf_id, "participants": [me, *others]}
