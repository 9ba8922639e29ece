"""Which media legs this room runs: the conference type and the podium decide, the topology performs.

Every meetroom participant, except: asymmetric, owner ↔ others only; role-based, a leg needs
someone on the podium at one end, and only the podium sends (in a smart meeting a listener also
sends its audio to the owner, whose video selector listens: smart.py). The participant with the smaller
full JID (octet order) starts a leg. A third-party client in the room whose disco/caps say Jingle
RTP audio/video (`Participant.jingle`) gets a leg too: it does not know that rule, so this room
always starts it ("direct"), and the mesh also takes the client's own session-initiate as the leg.
"""

from __future__ import annotations

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference.context import Context
from meetroom.calls.conference.state import ASYMMETRIC, ROLE_BASED, Conference, LegSpec, Phase


def wanted(conf: Conference) -> dict[str, bool]:
    """Whom this room exchanges media with, and whether it sends on that leg."""
    out = {}
    for who in conf.participants.values():
        if not (who.mesh or who.jingle):
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


def connect(ctx: Context, conf: Conference) -> None:
    """Tell the topology what changed: legs to end, legs whose sending changes, legs to start."""
    want = wanted(conf)
    own = ctx.env.own_full.encode()
    stale = tuple(jid for jid in conf.legs if jid not in want)
    if stale:
        for jid in stale:
            del conf.legs[jid]
        ctx.emit(fx.DisconnectLegs(stale))
    specs = {jid: _spec(conf, own, jid, send) for jid, send in want.items()}
    changed = [spec for jid, spec in specs.items() if jid in conf.legs and conf.legs[jid] != spec]
    if changed:
        conf.legs.update((leg.peer, leg) for leg in changed)
        ctx.emit(fx.UpdateLegs(tuple(changed)))
    new = [spec for jid, spec in specs.items() if jid not in conf.legs]
    if new:
        conf.legs.update((leg.peer, leg) for leg in new)
        ctx.emit(fx.ConnectLegs(conf.conf_id, tuple(new)))


def _spec(conf: Conference, own: bytes, jid: str, send: bool) -> LegSpec:
    who = conf.participants[jid]
    receive = who.voice if conf.conf_type == ROLE_BASED else True
    if not who.mesh:  # a third-party client: we call it
        return LegSpec(jid, True, send, direct=True, receive=receive)
    to_selector = conf.conf_type == ROLE_BASED and conf.smart and who.owner and not send  # smart.py
    return LegSpec(jid, own < jid.encode(), send, receive=receive, send_audio=to_selector)


def drop(ctx: Context, conf: Conference, jid: str) -> None:
    """A participant left: its leg ends."""
    if jid in conf.legs:
        del conf.legs[jid]
        ctx.emit(fx.DisconnectLegs((jid,)))


def peer_media(ctx: Context, told: ev.PeerMedia) -> None:
    """A third-party participant speaks Jingle RTP: start its direct leg."""
    conf = ctx.conf
    who = conf.participants.get(told.jid) if conf is not None else None
    if conf is None or who is None or who.mesh or who.jingle or not told.jingle:
        return  # once it has offered Jingle (or disco said so), a later disco answer changes nothing
    who.jingle = True
    if conf.phase is Phase.ACTIVE:
        connect(ctx, conf)
