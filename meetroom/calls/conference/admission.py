"""Who gets in: `call` with a confId, join requests to the owner, acceptPeer / rejectPeer, the waiting room.

A mixin of ConferenceMachine (machine.py). A conference created with autoAccept false (or
useWaitingRoom) is a members-only room: a joiner by confId asks the owner (a meetroom
`<join-request/>`), waits in the waiting room until the owner admits it (membership, then
`<join-accept/>`) or refuses it (`<join-reject cause/>`). An open room is simply joined.
"""

from __future__ import annotations

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference.state import Conference, Phase, bare, read_description
from meetroom.calls.errors import CallError
from meetroom.core.appstate import AppState
from meetroom.net.muc import ConfSignal

JOIN_TIMEOUT = 10.0
DECLINED, LIMIT, ACCESS_DENIED, NO_ANSWER, NOT_FOUND = 0, 1, 8, 16, 19


class Admission:
    """Mixed into ConferenceMachine: uses its state (`conf`, `env`) and helpers (`_emit`, `_publish`, ...)."""

    # --- the joiner ---------------------------------------------------------------------------
    def _join_by_id(self, cmd: ev.JoinById) -> None:
        env = self.env
        if not env.logged_in:
            raise CallError("not logged in: send login first")
        if self.busy or env.app_state != AppState.NORMAL:
            raise CallError("the room is busy: end the current call or conference first")
        if not cmd.exists:
            self._publish("rejectReceived", peerId=cmd.conf_id, peerDn="", cause=NOT_FOUND)
            return
        conf_type, owner = read_description(cmd.description) or (1, "")
        if cmd.members_only and not owner:
            # a members-only room of another client: nobody here knows whom to ask
            self._publish("rejectReceived", peerId=cmd.conf_id, peerDn=cmd.title, cause=ACCESS_DENIED)
            return
        conf = Conference(
            conf_id=cmd.conf_id,
            room=cmd.room,
            title=cmd.title,
            conf_type=conf_type,
            owner=owner,
            auto_accept=not cmd.members_only,
            created=self._now,
            nick=env.own_name or env.own_bare.partition("@")[0],
            created_here=False,
            inviter=owner,
        )
        self.conf = conf
        self._set_state(AppState.WAIT)
        if cmd.members_only:
            conf.phase = Phase.REQUESTING
            self._emit(fx.SendSignal(owner, conf.conf_id, "join-request"))
            self._publish("inviteRequestSent", peerId=bare(owner), peerDn=env.peer_dn(bare(owner)))
            self._timer("request", env.ring_timeout)
        else:
            self._emit(fx.Join(conf.room, conf.nick))
            self._timer("join", JOIN_TIMEOUT)

    def _admitted(self, conf: Conference, signal: ConfSignal) -> None:
        self._cancel("request")
        if signal.name == "join-accept":
            conf.phase = Phase.JOINING
            self._emit(fx.Join(conf.room, conf.nick))
            self._timer("join", JOIN_TIMEOUT)
            return
        try:
            cause = int(signal.attrs.get("cause", DECLINED))
        except ValueError:
            cause = DECLINED
        self._abandon(conf, cause)

    def _stop_requesting(self, conf: Conference, *, timed_out: bool) -> None:
        """Our join request ends unanswered (we hung up, or nobody answered in time)."""
        self._emit(fx.SendSignal(conf.owner, conf.conf_id, "join-cancel"))
        if timed_out:
            self._abandon(conf, NO_ANSWER)
            return
        for name in sorted(conf.timers):
            self._emit(fx.CancelTimer(name))
        self.conf = None
        self._publish("stopCalling", peerId=bare(conf.owner), side=0)
        self._set_state(AppState.NORMAL)

    # --- the owner (or a moderator) -------------------------------------------------------------
    def _admission_signal(self, conf: Conference, signal: ConfSignal) -> bool:
        """Join requests and their answers; True when `signal` was one (handled or ignored)."""
        name, sender = signal.name, signal.sender
        if name == "join-request":
            can_admit = conf.phase is Phase.ACTIVE and (conf.is_owner or conf.is_moderator)
            if can_admit and sender not in conf.participants and "/" in sender:
                self._join_request(conf, sender)
            return True
        if name == "join-cancel":
            if sender in conf.join_requests:
                del conf.join_requests[sender]
                self._waiting(conf, sender, False)
            return True
        if name in ("join-accept", "join-reject"):
            if conf.phase is Phase.REQUESTING and bare(sender) == bare(conf.owner):
                self._admitted(conf, signal)
            return True
        return False

    def _waiting(self, conf: Conference, jid: str, waiting: bool) -> None:
        self._publish(
            "participantPresenceInWaitingRoomChanged", callId=jid, isInWaitingRoom=waiting, confId=conf.conf_id
        )

    def _join_request(self, conf: Conference, sender: str) -> None:
        dn = self.env.peer_dn(bare(sender))
        if self._free_places(conf) <= 0:
            self._emit(fx.SendSignal(sender, conf.conf_id, "join-reject", {"cause": str(LIMIT)}))
            self._publish("rejectSent", confId=conf.conf_id, peerId=sender, peerDn=dn, cause=LIMIT)
            return
        if conf.auto_accept:  # an open room: nothing to decide
            self._emit(fx.SendSignal(sender, conf.conf_id, "join-accept"))
            return
        conf.join_requests[sender] = dn
        self._publish("requestInviteReceived", confId=conf.conf_id, peerId=sender, peerDn=dn)
        self._waiting(conf, sender, True)

    def _answer_request(self, cmd: ev.AnswerRequest) -> None:
        conf = self._active("answer a request to join")
        peer = self._normalise(cmd.peer)
        if "/" not in peer:
            raise CallError(f"the requester's InstanceId (user@server/instance) is needed, not '{cmd.peer}'")
        if not (conf.is_owner or conf.is_moderator):
            raise CallError("only the conference owner or a moderator admits participants")
        jid = next((j for j in conf.join_requests if j.lower() == peer.lower()), None)
        if jid is None:
            raise CallError(f"'{cmd.peer}' has not asked to join the conference")
        if cmd.allow and self._free_places(conf) <= 0:
            raise CallError(f"the conference is full: at most {self.env.mesh_size} participants (conferenceMeshSize)")
        self._admit(conf, jid, cmd.allow)

    def _admit(self, conf: Conference, jid: str, allow: bool) -> None:
        dn = conf.join_requests.pop(jid)
        if allow:
            self._emit(fx.SetAffiliation(conf.room, bare(jid), "member"))
            self._emit(fx.SendSignal(jid, conf.conf_id, "join-accept"))
            conf.invited[bare(jid)] = dn  # peerAccepted when it joins
        else:
            self._emit(fx.SendSignal(jid, conf.conf_id, "join-reject", {"cause": str(DECLINED)}))
            self._publish("rejectSent", confId=conf.conf_id, peerId=jid, peerDn=dn, cause=DECLINED)
        self._waiting(conf, jid, False)

    def _waiting_room(self, cmd: ev.WaitingRoom) -> None:
        conf = self._active("switch the waiting room")
        if not isinstance(cmd.enable, bool):
            raise CallError("enable must be true or false")
        if not (conf.is_owner or conf.is_moderator):
            raise CallError("only the conference owner or a moderator switches the waiting room")
        if cmd.enable == (not conf.auto_accept):
            return
        if cmd.enable:  # those present stay: members-only would otherwise push them out (status 322)
            for who in conf.participants.values():
                if not who.owner and "/" in who.jid and bare(who.jid) != conf.room:
                    self._emit(fx.SetAffiliation(conf.room, bare(who.jid), "member"))
        else:
            for jid in list(conf.join_requests):
                self._admit(conf, jid, bool(cmd.admit_waiting))
        conf.auto_accept = not cmd.enable
        self._emit(fx.Configure(conf.room, {"muc#roomconfig_membersonly": cmd.enable}))
        self._publish("waitingRoomStateChanged", confId=conf.conf_id, isWaitingRoomEnabled=cmd.enable)

    def _send_to_waiting_room(self, cmd: ev.SendToWaitingRoom) -> None:
        conf = self._active("send a participant to the waiting room")
        who = self._participant(conf, cmd.peer, "setParticipantPresenceInWaitingRoom")
        if not (conf.is_owner or conf.is_moderator):
            raise CallError("only the conference owner or a moderator moves participants to the waiting room")
        if conf.auto_accept:
            raise CallError("the waiting room is off: switch it on with setWaitingRoomState first")
        if who.owner:
            raise CallError("the conference owner cannot be sent to the waiting room")
        self._emit(fx.SetAffiliation(conf.room, bare(who.jid), "none"), fx.SetRole(conf.room, who.nick, "none"))
        self._waiting(conf, who.jid, True)
