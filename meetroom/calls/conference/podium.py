"""The podium and remote devices: the owner's and moderators' control over what participants send.

A mixin of ConferenceMachine (machine.py), apart so that each file keeps one concern. Role-based
conferences only for the podium: MUC voice is the podium (participant/moderator role), listeners
are visitors; invitations and answers travel as meetroom messages (net/muc.py ConfSignal), a
request for the podium is XEP-0045's own voice request.
"""

from __future__ import annotations

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference.state import ROLE_BASED, Conference, Participant, Phase
from meetroom.calls.errors import CallError
from meetroom.net.muc import ConfSignal, VoiceRequest

DEVICE_NAMES = {"mic": "Mic", "video": "Camera", "speaker": "Speaker"}
DEVICE_EVENTS = {"mic": "micStateChangedByConferenceOwner", "video": "cameraStateChangedByConferenceOwner"}
PODIUM_COMMANDS = {
    "invite": "inviteToPodium",
    "kick": "kickFromPodium",
    "accept-request": "acceptRequestToPodium",
    "reject-request": "rejectRequestToPodium",
}


def _flag(value: bool) -> str:
    return "true" if value else "false"


class PodiumRules:
    """Mixed into ConferenceMachine: uses its state (`conf`, `env`) and helpers (`_emit`, `_publish`, ...)."""

    # --- remote devices -----------------------------------------------------------------------
    def _turn_remote(self, cmd: ev.TurnRemote) -> None:
        conf = self._active("control a participant's devices")
        who = self._participant(conf, cmd.peer, f"turnRemote{DEVICE_NAMES[cmd.device]}")
        if not isinstance(cmd.on, bool):
            raise CallError("on must be true or false")
        if not (conf.is_owner or conf.is_moderator):
            raise CallError("only the conference owner or a moderator can turn a participant's devices")
        if not who.mesh:
            raise CallError(f"'{cmd.peer}' is not a meetroom participant: its devices cannot be controlled")
        self._emit(fx.SendSignal(who.jid, conf.conf_id, "device", {"kind": cmd.device, "on": _flag(cmd.on)}))

    def _remote_device(self, conf: Conference, signal: ConfSignal) -> None:
        kind, on = signal.attrs.get("kind", ""), signal.attrs.get("on") == "true"
        if kind not in DEVICE_NAMES:
            return
        self._emit(fx.SetOwnMute(kind, not on))
        event = DEVICE_EVENTS.get(kind)
        if event:
            self._publish(event, mute=not on, confId=conf.conf_id)

    # --- the podium (role-based conferences) -----------------------------------------------------
    def _podium(self, cmd: ev.Podium) -> None:
        conf = self._active("use the podium")
        if conf.conf_type != ROLE_BASED:
            raise CallError("the podium exists in role-based conferences only")
        handler = {
            "goto": self._goto_podium,
            "leave": self._leave_podium,
            "accept-invitation": self._accept_podium_invitation,
            "reject-invitation": self._reject_podium_invitation,
        }.get(cmd.action)
        if handler is not None:
            handler(conf)
            return
        who = self._participant(conf, cmd.peer, PODIUM_COMMANDS[cmd.action])
        if not (conf.is_owner or conf.is_moderator):
            raise CallError("only the conference owner or a moderator manages the podium")
        if cmd.action == "invite":
            if who.voice:
                raise CallError(f"'{cmd.peer}' is on the podium already")
            if who.jid in conf.podium_invited:
                raise CallError(f"'{cmd.peer}' is invited to the podium already")
            conf.podium_invited.add(who.jid)
            self._emit(fx.SendSignal(who.jid, conf.conf_id, "podium-invite"))
            self._podium_event(conf, who.jid, who.dn, 4, 0, 0, False)
        elif cmd.action == "kick":
            if not who.voice or who.owner:
                raise CallError(f"'{cmd.peer}' is not a speaker on the podium")
            self._emit(fx.SetRole(conf.room, who.nick, "visitor"))
        elif cmd.action in ("accept-request", "reject-request"):
            if who.jid not in conf.podium_requests:
                raise CallError(f"'{cmd.peer}' has not asked for the podium")
            conf.podium_requests.discard(who.jid)
            allow = cmd.action == "accept-request"
            if allow:
                self._emit(fx.SetRole(conf.room, who.nick, "participant"))
            else:
                self._emit(fx.SendSignal(who.jid, conf.conf_id, "podium-answer", {"allow": "false"}))
            self._publish("incomingRequestToPodiumAnswered", peerId=who.jid, allow=allow, confId=conf.conf_id)

    def _goto_podium(self, conf: Conference) -> None:
        if conf.voice:
            raise CallError("this room is on the podium already")
        self._emit(fx.RequestVoice(conf.room))
        self._podium_event(conf, self.env.own_full, self.env.own_name, 3, 0, 0, False)

    def _leave_podium(self, conf: Conference) -> None:
        if not conf.voice or conf.is_owner:
            raise CallError("this room is not a speaker on the podium")
        owner = next((w for w in conf.participants.values() if w.owner), None)
        if owner is None:
            raise CallError("the conference has no owner to leave the podium with")
        self._emit(fx.SendSignal(owner.jid, conf.conf_id, "podium-leave"))

    def _podium_answer(self, conf: Conference, reason: int) -> None:
        inviter, conf.podium_invitation = conf.podium_invitation, ""
        self._emit(fx.CancelTimer("podium"))
        conf.timers.discard("podium")
        self._emit(fx.SendSignal(inviter, conf.conf_id, "podium-accept" if reason == 0 else "podium-reject"))
        self._publish("incomingPodiumInvitationRemoved", confId=conf.conf_id, reason=reason)

    def _accept_podium_invitation(self, conf: Conference) -> None:
        if not conf.podium_invitation:
            raise CallError("there is no invitation to the podium")
        self._podium_answer(conf, 0)

    def _reject_podium_invitation(self, conf: Conference) -> None:
        if not conf.podium_invitation:
            raise CallError("there is no invitation to the podium")
        self._podium_answer(conf, 1)

    def _podium_event(self, conf: Conference, jid: str, dn: str, role: int, kind: int, result: int, on: bool) -> None:
        self._publish(
            "roleEventOccured",
            confId=conf.conf_id,
            peerId=jid,
            peerDn=dn,
            role=role,
            type=kind,
            result=result,
            broadcast=on,
        )

    def _voice_request(self, request: VoiceRequest) -> None:
        conf = self.conf
        if conf is None or request.room != conf.room or conf.phase is not Phase.ACTIVE:
            return
        who = conf.participants.get(request.jid) or conf.by_nick(request.nick)
        if who is None or who.voice or conf.conf_type != ROLE_BASED:
            return
        conf.podium_requests.add(who.jid)
        self._podium_event(conf, who.jid, who.dn, 3, 0, 0, False)

    def _seat(self, conf: Conference, who: Participant) -> None:
        """Role-based: the owner seats a joiner among the listeners; the podium is by invitation or request."""
        if conf.conf_type == ROLE_BASED and conf.is_owner and who.role == "participant" and not who.owner:
            self._emit(fx.SetRole(conf.room, who.nick, "visitor"))

    def _podium_signal(self, conf: Conference, sender: Participant, signal: ConfSignal) -> None:
        """Podium and device messages from a participant of our conference."""
        if signal.name == "device" and (sender.owner or sender.moderator):
            self._remote_device(conf, signal)
        elif signal.name == "podium-invite" and (sender.owner or sender.moderator) and not conf.voice:
            conf.podium_invitation = sender.jid
            self._podium_event(conf, self.env.own_full, self.env.own_name, 4, 0, 0, False)
            if self.env.auto_accept_podium and sender.owner:
                self._podium_answer(conf, 0)
            else:
                self._timer("podium", self.env.ring_timeout)
        elif signal.name == "podium-answer" and (sender.owner or sender.moderator):
            self._podium_event(conf, self.env.own_full, self.env.own_name, 1, 1, 3, False)
        elif signal.name == "podium-accept" and sender.jid in conf.podium_invited:
            conf.podium_invited.discard(sender.jid)
            if conf.is_owner or conf.is_moderator:
                self._emit(fx.SetRole(conf.room, sender.nick, "participant"))
        elif signal.name == "podium-reject" and sender.jid in conf.podium_invited:
            conf.podium_invited.discard(sender.jid)
            self._podium_event(conf, sender.jid, sender.dn, 1, 1, 3, False)
        elif signal.name == "podium-leave" and sender.voice and not sender.owner and conf.is_owner:
            self._emit(fx.SetRole(conf.room, sender.nick, "visitor"))
