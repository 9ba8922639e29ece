"""The room's presences: our own (joined, configured, role changed, out) and the other occupants'.

A participant is known by its real full JID (rooms are whois=anyone); joiners are announced and
seated, leavers removed, role changes announced as roleEventOccured, and after each change the
media legs follow (legs.connect).
"""

from __future__ import annotations

import logging

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference import legs, podium, smart, views
from meetroom.calls.conference.context import ACCESS_DENIED, FAILED, LIMIT, NOT_FOUND, Context
from meetroom.calls.conference.creating import room_config, send_invite
from meetroom.calls.conference.outcome import abandon, finish
from meetroom.calls.conference.state import Conference, Participant, Phase, bare
from meetroom.core.appstate import AppState
from meetroom.net.muc import Occupant

log = logging.getLogger(__name__)

MAX_NICK_TRIES = 5
JOIN_ERRORS = {"registration-required": ACCESS_DENIED, "forbidden": ACCESS_DENIED, "service-unavailable": LIMIT}
JOIN_ERRORS |= {"item-not-found": NOT_FOUND}


def occupant(ctx: Context, occ: Occupant) -> None:
    conf = ctx.conf
    if conf is None or occ.room != conf.room:
        return
    if occ.error:
        _join_error(ctx, conf, occ)
    elif occ.destroyed or occ.is_self or (not occ.available and occ.nick == conf.nick):
        _own_presence(ctx, conf, occ)
    elif occ.available:
        _present(ctx, conf, occ)
    else:
        _gone(ctx, conf, occ)


def configured(ctx: Context, done: ev.Configured) -> None:
    """The room's answer to the owner's configuration form."""
    conf = ctx.conf
    if conf is None or conf.room != done.room or conf.phase is not Phase.JOINING:
        return
    if done.ok:
        activate(ctx, conf)
    else:
        log.warning("conference %s: the room refused its configuration", conf.room)
        ctx.emit(fx.Leave(conf.room, conf.nick))
        abandon(ctx, conf, FAILED)


def _join_error(ctx: Context, conf: Conference, occ: Occupant) -> None:
    if conf.phase is not Phase.JOINING:
        return
    if occ.error == "conflict" and conf.nick_tries < MAX_NICK_TRIES:
        conf.nick_tries += 1
        base = conf.nick.rsplit("-", 1)[0] if conf.nick_tries > 2 else conf.nick
        conf.nick = f"{base}-{conf.nick_tries}"
        ctx.emit(fx.Join(conf.room, conf.nick))
        return
    log.warning("conference %s: join refused (%s)", conf.room, occ.error)
    abandon(ctx, conf, JOIN_ERRORS.get(occ.error, FAILED))


def _own_presence(ctx: Context, conf: Conference, occ: Occupant) -> None:
    if not occ.available or occ.destroyed:
        if conf.phase is Phase.JOINING:
            abandon(ctx, conf, FAILED)
        else:
            finish(ctx, conf)
        return
    env = ctx.env
    before = (conf.affiliation, conf.role)
    conf.affiliation, conf.role = occ.affiliation, occ.role
    if occ.affiliation == "owner":
        conf.owner = env.own_full
    if conf.phase is Phase.JOINING:
        if conf.created_here and 201 in occ.codes:
            ctx.emit(fx.Configure(conf.room, room_config(conf.title, conf.conf_type, conf.auto_accept, conf.owner)))
        else:
            activate(ctx, conf)
    elif conf.phase is Phase.ACTIVE and before != (conf.affiliation, conf.role):
        _role_event(ctx, conf, env.own_full, env.own_name, conf.affiliation, conf.role)
        legs.connect(ctx, conf)


def activate(ctx: Context, conf: Conference) -> None:
    """In the room (and configured): the conference exists for the API."""
    ctx.cancel("join")
    if not conf.created_here and len(conf.participants) + 1 > ctx.env.mesh_size:
        log.info("conference %s is full (%d present)", conf.room, len(conf.participants))
        ctx.emit(fx.Leave(conf.room, conf.nick))
        abandon(ctx, conf, LIMIT)
        return
    conf.phase = Phase.ACTIVE
    ctx.last_conf_type = conf.conf_type
    ctx.set_state(AppState.CONFERENCE)
    ctx.emit(fx.Publish("conferenceCreated", views.conference_fields(conf, ctx.env.mesh_size)))
    smart.started(ctx, conf)
    for who in list(conf.participants.values()):
        _announce(ctx, conf, who)
        podium.seat(ctx, conf, who)
        smart.greet(ctx, conf, who)
    legs.connect(ctx, conf)
    for target in conf.to_invite:
        send_invite(ctx, conf, target)
    conf.to_invite = ()


def _present(ctx: Context, conf: Conference, occ: Occupant) -> None:
    jid = occ.real_jid or f"{conf.room}/{occ.nick}"
    known = conf.participants.get(jid)
    if known is None:
        who = Participant(jid, occ.nick, _name(ctx, occ), occ.affiliation, occ.role, mesh=occ.mesh, joined_at=ctx.now)
        conf.participants[jid] = who
        if who.owner:
            conf.owner = jid
        if conf.phase is Phase.ACTIVE:
            _announce(ctx, conf, who)
            podium.seat(ctx, conf, who)
            smart.greet(ctx, conf, who)
            legs.connect(ctx, conf)
        return
    before = (known.affiliation, known.role)
    known.affiliation, known.role, known.nick = occ.affiliation, occ.role, occ.nick
    if known.owner:
        conf.owner = jid
    if conf.phase is Phase.ACTIVE and before != (known.affiliation, known.role):
        if known.voice:
            conf.podium_invited.discard(jid)
            conf.podium_requests.discard(jid)
        _role_event(ctx, conf, jid, known.dn, known.affiliation, known.role)
        legs.connect(ctx, conf)


def _name(ctx: Context, occ: Occupant) -> str:
    """A participant's display name: the address book's for a named contact, else its nick (its own name)."""
    if not occ.real_jid:
        return occ.nick
    account = bare(occ.real_jid)
    dn = ctx.env.peer_dn(account)
    named = dn and dn not in (account, account.partition("@")[0])  # not just the ID's fallback
    return dn if named else occ.nick


def _announce(ctx: Context, conf: Conference, who: Participant) -> None:
    ctx.emit(fx.Publish("newParticipantInConference", views.joined(conf, who)))
    ctx.emit(fx.AddSlot(who.jid, who.dn))
    invited = conf.invited.pop(bare(who.jid), None)
    if invited is not None:
        ctx.publish("peerAccepted", peerId=who.jid, peerDn=who.dn, confId=conf.conf_id)


def _role_event(ctx: Context, conf: Conference, jid: str, dn: str, affiliation: str, role: str) -> None:
    ranks = views._ranks(conf, affiliation, role)
    ctx.publish(
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


def _gone(ctx: Context, conf: Conference, occ: Occupant) -> None:
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
    conf.selector.forget(who.jid)
    legs.drop(ctx, conf, who.jid)
    ctx.emit(fx.RemoveSlot(who.jid))
    ctx.publish("participantLeftConference", peerId=who.jid)
