"""Which media legs this room runs: the conference type and the podium decide, the topology performs.

Every meetroom participant, except: asymmetric, owner ↔ others only; role-based, a leg needs
someone on the podium at one end, and only the podium sends. The participant with the smaller
full JID (octet order) starts a leg.
"""

from __future__ import annotations

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference.context import Context
from meetroom.calls.conference.state import ASYMMETRIC, ROLE_BASED, Conference, LegSpec


def wanted(conf: Conference) -> dict[str, bool]:
    """Whom this room exchanges media with, and whether it sends on that leg."""
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


def connect(ctx: Context, conf: Conference) -> None:
    """Tell the topology what changed: legs to end, legs whose sending changes, legs to start."""
    want = wanted(conf)
    own = ctx.env.own_full.encode()
    stale = tuple(jid for jid in conf.legs if jid not in want)
    if stale:
        for jid in stale:
            del conf.legs[jid]
        ctx.emit(fx.DisconnectLegs(stale))
    specs = {jid: LegSpec(jid, own < jid.encode(), send) for jid, send in want.items()}
    changed = [spec for jid, spec in specs.items() if conf.legs.get(jid, spec.send) != spec.send]
    if changed:
        conf.legs.update((leg.peer, leg.send) for leg in changed)
        ctx.emit(fx.UpdateLegs(tuple(changed)))
    new = [spec for jid, spec in specs.items() if jid not in conf.legs]
    if new:
        conf.legs.update((leg.peer, leg.send) for leg in new)
        ctx.emit(fx.ConnectLegs(conf.conf_id, tuple(new)))


def drop(ctx: Context, conf: Conference, jid: str) -> None:
    """A participant left: its leg ends."""
    if jid in conf.legs:
        del conf.legs[jid]
        ctx.emit(fx.DisconnectLegs((jid,)))
