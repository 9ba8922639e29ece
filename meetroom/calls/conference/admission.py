"""Who gets in: `call` with a confId, join requests to the owner, acceptPeer / rejectPeer, the waiting room.

Handler functions the machine (machine.py) routes to, each given the shared Context.
Calling the owner's (or a moderator's) CallId while it is in a conference is a request to join
too (the `call` doc page): it tells the caller which conference (`<in-conference room/>`), the
caller's call ends quietly and it waits as a requester (a moderator of a members-only room names
the owner to ask, `ask`). A conference created with autoAccept false (or
useWaitingRoom) is a members-only room: a joiner by confId asks the owner (a meetroom
`<join-request/>`), waits in the waiting room until the owner admits it (membership, then
`<join-accept/>`) or refuses it (`<join-reject cause/>`). An open room is simply joined.
"""

from __future__ import annotations

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference.context import (
    ACCESS_DENIED,
    DECLINED,
    JOIN_TIMEOUT,
    LIMIT,
    NO_ANSWER,
    NOT_FOUND,
    Context,
)
from meetroom.calls.conference.outcome import abandon, cancel_timers
from meetroom.calls.conference.state import CONF_TYPES, TYPE_NAMES, Conference, Phase, bare, read_description
from meetroom.calls.errors import CallError
from meetroom.core.appstate import AppState
from meetroom.net.muc import ConfSignal


# --- the joiner ---------------------------------------------------------------------------
def join_by_id(ctx: Context, cmd: ev.JoinById) -> None:
    env = ctx.env
    if not env.logged_in:
        raise CallError("not logged in: send login first")
    if ctx.busy or env.app_state != AppState.NORMAL:
        raise CallError("the room is busy: end the current call or conference first")
    if not cmd.exists:
        ctx.publish("rejectReceived", peerId=cmd.conf_id, peerDn="", cause=NOT_FOUND)
        return
    conf_type, owner = read_description(cmd.description) or (1, "")
    if cmd.members_only and not owner:
        # a members-only room of another client: nobody here knows whom to ask
        ctx.publish("rejectReceived", peerId=cmd.conf_id, peerDn=cmd.title, cause=ACCESS_DENIED)
        return
    conf = Conference(
        conf_id=cmd.conf_id,
        room=cmd.room,
        title=cmd.title,
        conf_type=conf_type,
        owner=owner,
        auto_accept=not cmd.members_only,
        created=ctx.now,
        nick=ctx.own_nick,
        created_here=False,
        inviter=owner,
    )
    ctx.conf = conf
    ctx.set_state(AppState.WAIT)
    if cmd.members_only:
        conf.phase = Phase.REQUESTING
        ctx.emit(fx.SendSignal(owner, conf.conf_id, "join-request"))
        ctx.publish("inviteRequestSent", peerId=bare(owner), peerDn=env.peer_dn(bare(owner)))
        ctx.timer("request", env.ring_timeout)
    else:
        ctx.emit(fx.Join(conf.room, conf.nick))
        ctx.timer("join", JOIN_TIMEOUT)


def redirected(ctx: Context, signal: ConfSignal) -> None:
    """Caller side: the room we are calling owns a conference; the call becomes a request to join it."""
    env = ctx.env
    room = signal.attrs.get("room", "").lower()
    if ctx.busy or not room or not env.calling_peer or bare(signal.sender) != env.calling_peer:
        return
    called = signal.sender
    ask = signal.attrs.get("ask", "")  # a moderator forwards us to the owner, who admits members
    owner = ask if "/" in ask else called
    conf = ctx.conf = Conference(
        conf_id=signal.conf_id,
        room=room,
        title=signal.attrs.get("title", ""),
        conf_type=CONF_TYPES.get(signal.attrs.get("type", ""), 1),
        owner=owner,
        auto_accept=signal.attrs.get("members-only") != "true",
        created=ctx.now,
        nick=ctx.own_nick,
        created_here=False,
        inviter=called,
        phase=Phase.REQUESTING,
    )
    ctx.emit(fx.EndCallQuietly())  # appState stays 4: from calling to waiting for the owner
    if owner != called:
        ctx.emit(fx.SendSignal(owner, conf.conf_id, "join-request"))
    ctx.publish("inviteRequestSent", peerId=bare(called), peerDn=env.peer_dn(bare(called)))
    ctx.timer("request", env.ring_timeout)


def _admitted(ctx: Context, conf: Conference, signal: ConfSignal) -> None:
    ctx.cancel("request")
    if signal.name == "join-accept":
        conf.phase = Phase.JOINING
        ctx.emit(fx.Join(conf.room, conf.nick))
        ctx.timer("join", JOIN_TIMEOUT)
        return
    try:
        cause = int(signal.attrs.get("cause", DECLINED))
    except ValueError:
        cause = DECLINED
    abandon(ctx, conf, cause)


def stop_requesting(ctx: Context, conf: Conference, *, timed_out: bool) -> None:
    """Our join request ends unanswered (we hung up, or nobody answered in time)."""
    ctx.emit(fx.SendSignal(conf.owner, conf.conf_id, "join-cancel"))
    if timed_out:
        abandon(ctx, conf, NO_ANSWER)
        return
    cancel_timers(ctx, conf)
    ctx.conf = None
    ctx.publish("stopCalling", peerId=bare(conf.owner), side=0)
    ctx.set_state(AppState.NORMAL)


# --- the owner (or a moderator) -------------------------------------------------------------
def on_signal(ctx: Context, conf: Conference, signal: ConfSignal) -> bool:
    """Join requests and their answers; True when `signal` was one (handled or ignored)."""
    name, sender = signal.name, signal.sender
    if name == "join-request":
        can_admit = conf.phase is Phase.ACTIVE and (conf.is_owner or conf.is_moderator)
        if can_admit and sender not in conf.participants and "/" in sender:
            _join_request(ctx, conf, sender)
        return True
    if name == "join-cancel":
        if sender in conf.join_requests:
            del conf.join_requests[sender]
            _waiting(ctx, conf, sender, False)
        return True
    if name in ("join-accept", "join-reject"):
        if conf.phase is Phase.REQUESTING and bare(sender) == bare(conf.owner):
            _admitted(ctx, conf, signal)
        return True
    return False


def called_owner(ctx: Context, called: ev.CalledOwner) -> None:
    """Owner (or moderator) side: a one-to-one call to this room while it owns or moderates a
    conference is a request to join it. The owner decides as for any join request. A moderator
    sends the caller on to a meetroom owner (`ask`): membership is the owner's to give (MUC
    affiliations), and only the owner knows whether the waiting room is on now; with a
    third-party owner it lets the caller into a room it knows to be open."""
    conf, caller = ctx.conf, called.caller
    if conf is None or conf.phase is not Phase.ACTIVE or not (conf.is_owner or conf.is_moderator):
        return
    if "/" not in caller or caller in conf.participants or caller in conf.join_requests:
        return
    about = {"room": conf.room, "title": conf.title, "type": TYPE_NAMES[conf.conf_type]}
    about["members-only"] = "false" if conf.auto_accept else "true"
    if not conf.is_owner:
        owner = next((p for p in conf.participants.values() if p.owner), None)
        if owner is not None and owner.mesh:
            ctx.emit(fx.SendSignal(caller, conf.conf_id, "in-conference", {**about, "ask": owner.jid}))
            return  # a second offer of the same call finds the caller waiting already: it ignores this
        if not conf.auto_accept:
            return  # nobody here can admit it: the call is answered busy, as before
    ctx.emit(fx.SendSignal(caller, conf.conf_id, "in-conference", about))
    _join_request(ctx, conf, caller)


def _waiting(ctx: Context, conf: Conference, jid: str, waiting: bool) -> None:
    ctx.publish("participantPresenceInWaitingRoomChanged", callId=jid, isInWaitingRoom=waiting, confId=conf.conf_id)


def _join_request(ctx: Context, conf: Conference, sender: str) -> None:
    dn = ctx.env.peer_dn(bare(sender))
    if ctx.free_places(conf) <= 0:
        ctx.emit(fx.SendSignal(sender, conf.conf_id, "join-reject", {"cause": str(LIMIT)}))
        ctx.publish("rejectSent", confId=conf.conf_id, peerId=sender, peerDn=dn, cause=LIMIT)
        return
    if conf.auto_accept:  # an open room: nothing to decide
        ctx.emit(fx.SendSignal(sender, conf.conf_id, "join-accept"))
        return
    conf.join_requests[sender] = dn
    ctx.publish("requestInviteReceived", confId=conf.conf_id, peerId=sender, peerDn=dn)
    _waiting(ctx, conf, sender, True)


def answer_request(ctx: Context, cmd: ev.AnswerRequest) -> None:
    conf = ctx.active("answer a request to join")
    peer = ctx.normalise(cmd.peer)
    if "/" not in peer:
        raise CallError(f"the requester's InstanceId (user@server/instance) is needed, not '{cmd.peer}'")
    if not (conf.is_owner or conf.is_moderator):
        raise CallError("only the conference owner or a moderator admits participants")
    jid = next((j for j in conf.join_requests if j.lower() == peer.lower()), None)
    if jid is None:
        raise CallError(f"'{cmd.peer}' has not asked to join the conference")
    if cmd.allow and ctx.free_places(conf) <= 0:
        raise ctx.full_error()
    _admit(ctx, conf, jid, cmd.allow)


def _admit(ctx: Context, conf: Conference, jid: str, allow: bool) -> None:
    dn = conf.join_requests.pop(jid)
    if allow:
        ctx.emit(fx.SetAffiliation(conf.room, bare(jid), "member"))
        ctx.emit(fx.SendSignal(jid, conf.conf_id, "join-accept"))
        conf.invited[bare(jid)] = dn  # peerAccepted when it joins
    else:
        ctx.emit(fx.SendSignal(jid, conf.conf_id, "join-reject", {"cause": str(DECLINED)}))
        ctx.publish("rejectSent", confId=conf.conf_id, peerId=jid, peerDn=dn, cause=DECLINED)
    _waiting(ctx, conf, jid, False)


def waiting_room(ctx: Context, cmd: ev.WaitingRoom) -> None:
    conf = ctx.active("switch the waiting room")
    if not isinstance(cmd.enable, bool):
        raise CallError("enable must be true or false")
    if not (conf.is_owner or conf.is_moderator):
        raise CallError("only the conference owner or a moderator switches the waiting room")
    if cmd.enable == (not conf.auto_accept):
        return
    if cmd.enable:  # those present stay: members-only would otherwise push them out (status 322)
        for who in conf.participants.values():
            if not who.owner and "/" in who.jid and bare(who.jid) != conf.room:
                ctx.emit(fx.SetAffiliation(conf.room, bare(who.jid), "member"))
    else:
        for jid in list(conf.join_requests):
            _admit(ctx, conf, jid, bool(cmd.admit_waiting))
    conf.auto_accept = not cmd.enable
    ctx.emit(fx.Configure(conf.room, {"muc#roomconfig_membersonly": cmd.enable}))
    ctx.publish("waitingRoomStateChanged", confId=conf.conf_id, isWaitingRoomEnabled=cmd.enable)


def send_to_waiting_room(ctx: Context, cmd: ev.SendToWaitingRoom) -> None:
    conf = ctx.active("send a participant to the waiting room")
    who = ctx.participant(conf, cmd.peer, "setParticipantPresenceInWaitingRoom")
    if not (conf.is_owner or conf.is_moderator):
        raise CallError("only the conference owner or a moderator moves participants to the waiting room")
    if conf.auto_accept:
        raise CallError("the waiting room is off: switch it on with setWaitingRoomState first")
    if who.owner:
        raise CallError("the conference owner cannot be sent to the waiting room")
    ctx.emit(fx.SetAffiliation(conf.room, bare(who.jid), "none"), fx.SetRole(conf.room, who.nick, "none"))
    _waiting(ctx, conf, who.jid, True)
