"""The podium and remote devices: the owner's and moderators' control over what participants send.

Handler functions the machine (machine.py) routes to, each given the shared Context. Role-based
conferences only for the podium: MUC voice is the podium (participant/moderator role), listeners
are visitors; invitations and answers travel as meetroom messages (net/muc.py ConfSignal), a
request for the podium is XEP-0045's own voice request.
"""

from __future__ import annotations

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference.context import Context
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


# --- remote devices -----------------------------------------------------------------------
def turn_remote(ctx: Context, cmd: ev.TurnRemote) -> None:
    conf = ctx.active("control a participant's devices")
    who = ctx.participant(conf, cmd.peer, f"turnRemote{DEVICE_NAMES[cmd.device]}")
    if not isinstance(cmd.on, bool):
        raise CallError("on must be true or false")
    if not (conf.is_owner or conf.is_moderator):
        raise CallError("only the conference owner or a moderator can turn a participant's devices")
    if not who.mesh:
        raise CallError(f"'{cmd.peer}' is not a meetroom participant: its devices cannot be controlled")
    ctx.emit(fx.SendSignal(who.jid, conf.conf_id, "device", {"kind": cmd.device, "on": _flag(cmd.on)}))


def _remote_device(ctx: Context, conf: Conference, signal: ConfSignal) -> None:
    kind, on = signal.attrs.get("kind", ""), signal.attrs.get("on") == "true"
    if kind not in DEVICE_NAMES:
        return
    ctx.emit(fx.SetOwnMute(kind, not on))
    event = DEVICE_EVENTS.get(kind)
    if event:
        ctx.publish(event, mute=not on, confId=conf.conf_id)


# --- the podium (role-based conferences) -----------------------------------------------------
def command(ctx: Context, cmd: ev.Podium) -> None:
    conf = ctx.active("use the podium")
    if conf.conf_type != ROLE_BASED:
        raise CallError("the podium exists in role-based conferences only")
    handler = {
        "goto": _goto_podium,
        "leave": _leave_podium,
        "accept-invitation": _accept_podium_invitation,
        "reject-invitation": _reject_podium_invitation,
    }.get(cmd.action)
    if handler is not None:
        handler(ctx, conf)
        return
    who = ctx.participant(conf, cmd.peer, PODIUM_COMMANDS[cmd.action])
    if not (conf.is_owner or conf.is_moderator):
        raise CallError("only the conference owner or a moderator manages the podium")
    if cmd.action in ("invite", "accept-request") and podium_full(conf):
        raise CallError(f"the podium is full: at most {conf.casters} speakers (castersCount)")
    if cmd.action == "invite":
        if who.voice:
            raise CallError(f"'{cmd.peer}' is on the podium already")
        if who.jid in conf.podium_invited:
            raise CallError(f"'{cmd.peer}' is invited to the podium already")
        conf.podium_invited.add(who.jid)
        ctx.emit(fx.SendSignal(who.jid, conf.conf_id, "podium-invite"))
        _podium_event(ctx, conf, who.jid, who.dn, 4, 0, 0, False)
    elif cmd.action == "kick":
        if not who.voice or who.owner:
            raise CallError(f"'{cmd.peer}' is not a speaker on the podium")
        ctx.emit(fx.SetRole(conf.room, who.nick, "visitor"))
    elif cmd.action in ("accept-request", "reject-request"):
        if who.jid not in conf.podium_requests:
            raise CallError(f"'{cmd.peer}' has not asked for the podium")
        conf.podium_requests.discard(who.jid)
        allow = cmd.action == "accept-request"
        if allow:
            ctx.emit(fx.SetRole(conf.room, who.nick, "participant"))
        else:
            ctx.emit(fx.SendSignal(who.jid, conf.conf_id, "podium-answer", {"allow": "false"}))
        ctx.publish("incomingRequestToPodiumAnswered", peerId=who.jid, allow=allow, confId=conf.conf_id)


def podium_full(conf: Conference) -> bool:
    """castersCount, as the owner enforces it (the only room that knows it): every seat taken."""
    if not conf.casters or not conf.is_owner:
        return False
    return 1 + sum(1 for p in conf.participants.values() if p.voice) >= conf.casters


def _goto_podium(ctx: Context, conf: Conference) -> None:
    if conf.voice:
        raise CallError("this room is on the podium already")
    ctx.emit(fx.RequestVoice(conf.room))
    _podium_event(ctx, conf, ctx.env.own_full, ctx.env.own_name, 3, 0, 0, False)


def _leave_podium(ctx: Context, conf: Conference) -> None:
    if not conf.voice or conf.is_owner:
        raise CallError("this room is not a speaker on the podium")
    owner = next((w for w in conf.participants.values() if w.owner), None)
    if owner is None:
        raise CallError("the conference has no owner to leave the podium with")
    ctx.emit(fx.SendSignal(owner.jid, conf.conf_id, "podium-leave"))


def answer(ctx: Context, conf: Conference, reason: int) -> None:
    inviter, conf.podium_invitation = conf.podium_invitation, ""
    ctx.emit(fx.CancelTimer("podium"))
    conf.timers.discard("podium")
    ctx.emit(fx.SendSignal(inviter, conf.conf_id, "podium-accept" if reason == 0 else "podium-reject"))
    ctx.publish("incomingPodiumInvitationRemoved", confId=conf.conf_id, reason=reason)


def _accept_podium_invitation(ctx: Context, conf: Conference) -> None:
    if not conf.podium_invitation:
        raise CallError("there is no invitation to the podium")
    answer(ctx, conf, 0)


def _reject_podium_invitation(ctx: Context, conf: Conference) -> None:
    if not conf.podium_invitation:
        raise CallError("there is no invitation to the podium")
    answer(ctx, conf, 1)


def _podium_event(
    ctx: Context, conf: Conference, jid: str, dn: str, role: int, kind: int, result: int, on: bool
) -> None:
    ctx.publish(
        "roleEventOccured",
        confId=conf.conf_id,
        peerId=jid,
        peerDn=dn,
        role=role,
        type=kind,
        result=result,
        broadcast=on,
    )


def voice_request(ctx: Context, request: VoiceRequest) -> None:
    conf = ctx.conf
    if conf is None or request.room != conf.room or conf.phase is not Phase.ACTIVE:
        return
    who = conf.participants.get(request.jid) or conf.by_nick(request.nick)
    if who is None or who.voice or conf.conf_type != ROLE_BASED:
        return
    conf.podium_requests.add(who.jid)
    _podium_event(ctx, conf, who.jid, who.dn, 3, 0, 0, False)


def seat(ctx: Context, conf: Conference, who: Participant) -> None:
    """Role-based: the owner seats a joiner among the listeners; the podium is by invitation or request."""
    if conf.conf_type == ROLE_BASED and conf.is_owner and who.role == "participant" and not who.owner:
        ctx.emit(fx.SetRole(conf.room, who.nick, "visitor"))


def on_signal(ctx: Context, conf: Conference, sender: Participant, signal: ConfSignal) -> None:
    """Podium and device messages from a participant of our conference."""
    if signal.name == "device" and (sender.owner or sender.moderator):
        _remote_device(ctx, conf, signal)
    elif signal.name == "podium-invite" and (sender.owner or sender.moderator) and not conf.voice:
        conf.podium_invitation = sender.jid
        _podium_event(ctx, conf, ctx.env.own_full, ctx.env.own_name, 4, 0, 0, False)
        if ctx.env.auto_accept_podium and sender.owner:
            answer(ctx, conf, 0)
        else:
            ctx.timer("podium", ctx.env.ring_timeout)
    elif signal.name == "podium-answer" and (sender.owner or sender.moderator):
        _podium_event(ctx, conf, ctx.env.own_full, ctx.env.own_name, 1, 1, 3, False)
    elif signal.name == "podium-accept" and sender.jid in conf.podium_invited:
        conf.podium_invited.discard(sender.jid)
        if podium_full(conf):  # filled meanwhile (the selector, a request)
            _podium_event(ctx, conf, sender.jid, sender.dn, 1, 1, 3, False)
        elif conf.is_owner or conf.is_moderator:
            ctx.emit(fx.SetRole(conf.room, sender.nick, "participant"))
    elif signal.name == "podium-reject" and sender.jid in conf.podium_invited:
        conf.podium_invited.discard(sender.jid)
        _podium_event(ctx, conf, sender.jid, sender.dn, 1, 1, 3, False)
    elif signal.name == "podium-leave" and sender.voice and not sender.owner and conf.is_owner:
        ctx.emit(fx.SetRole(conf.room, sender.nick, "visitor"))
