"""The owner's side of a new conference: createConference, its room's configuration, invitations out.

The owner joins a fresh room, submits the form of shared/spec/xmpp.md §6.7 when the room says it
is new (status 201), and invites once the conference is active (presence.activate sends the
invitations `createConference` named; presence.configured takes the room's answer to the form).
"""

from __future__ import annotations

from typing import Any

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference import smart
from meetroom.calls.conference.context import JOIN_TIMEOUT, Context
from meetroom.calls.conference.state import CONF_TYPES, TYPE_NAMES, Conference, bare, conf_id_for_room, describe
from meetroom.calls.errors import CallError
from meetroom.core.appstate import AppState
from meetroom.net.muc import HISTORY_STANZAS


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
        "muc#roomconfig_historylength": HISTORY_STANZAS,  # what a joiner gets (Prosody keeps 20 by default)
    }


def create(ctx: Context, cmd: ev.Create) -> None:
    env = ctx.env
    if not env.logged_in:
        raise CallError("not logged in: send login first")
    if cmd.expands:
        if ctx.busy or not env.call_conf_id:
            raise CallError("there is no connected call to expand into a conference")
    elif ctx.busy or env.app_state != AppState.NORMAL:
        raise CallError("the room is busy: end the current call or conference first")
    if cmd.conf_type not in CONF_TYPES:
        raise CallError("confType must be one of 'symmetric', 'asymmetric', 'role'")
    if not isinstance(cmd.title, str) or not cmd.title.strip():
        raise CallError("title must be a non-empty string")
    is_smart, casters = smart.check_create(cmd.smart, cmd.casters, CONF_TYPES[cmd.conf_type])
    targets: list[str] = []
    for peer in cmd.invites:
        target = ctx.normalise(peer)
        if bare(target) == env.own_bare:
            raise CallError("inviteList must not name this room itself (it is the owner)")
        if target not in targets:
            targets.append(target)
    if cmd.expands and env.call_peer not in targets and bare(env.call_peer) not in targets:
        targets.insert(0, env.call_peer)  # the call's peer comes along
    if len(targets) + 1 > env.mesh_size:
        raise ctx.full_error()
    room = f"{cmd.local}@{cmd.service}".lower()
    ctx.conf = Conference(
        conf_id=conf_id_for_room(room, env.domain),
        room=room,
        title=cmd.title.strip(),
        conf_type=CONF_TYPES[cmd.conf_type],
        owner=env.own_full,
        auto_accept=cmd.auto_accept,
        created=ctx.now,
        nick=ctx.own_nick,
        created_here=True,
        to_invite=tuple(targets),
        expands=env.call_conf_id if cmd.expands else "",
        smart=is_smart,
        casters=casters,
    )
    ctx.emit(fx.Join(room, ctx.conf.nick))
    if not cmd.expands:  # an expanded call stays in appState 5 throughout
        ctx.set_state(AppState.WAIT)
    ctx.timer("join", JOIN_TIMEOUT)


def invite(ctx: Context, cmd: ev.Invite) -> None:
    conf = ctx.active("invite")
    target = ctx.normalise(cmd.peer)
    if not (conf.is_owner or conf.is_moderator):
        raise CallError("only the conference owner or a moderator can invite")
    if bare(target) == ctx.env.own_bare and ("/" not in target or target == ctx.env.own_full):
        raise CallError("a room cannot invite itself")
    present = any(p.jid.lower() == target.lower() or bare(p.jid) == target for p in conf.participants.values())
    if present:
        raise CallError(f"'{cmd.peer}' is already in the conference")
    if bare(target) in conf.invited:
        raise CallError(f"'{cmd.peer}' is invited already; waiting for the answer")
    if ctx.free_places(conf) <= 0:
        raise ctx.full_error()
    send_invite(ctx, conf, target)


def send_invite(ctx: Context, conf: Conference, target: str) -> None:
    dn = ctx.env.peer_dn(bare(target))
    if not conf.auto_accept:
        ctx.emit(fx.SetAffiliation(conf.room, bare(target), "member"))  # members-only: let the invitee in
    fields = {"id": conf.conf_id, "title": conf.title, "type": TYPE_NAMES[conf.conf_type], "owner": conf.owner}
    if conf.expands and target == ctx.env.call_peer:
        fields["expands"] = conf.expands
    if conf.smart:
        fields["smart"] = "true"  # the invitee's conferenceCreated says so (smart.py keeps it current)
    ctx.emit(fx.SendInvite(target, conf.room, conf.title, fields))
    conf.invited[bare(target)] = dn
    ctx.publish("inviteSent", confId=conf.conf_id, peerId=target, peerDn=dn, confType=conf.conf_type)
