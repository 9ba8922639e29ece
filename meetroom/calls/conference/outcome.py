"""How a conference ends here: abandoned before it began, or finished after it was active.

Both are reached from many places (a refused join, a timer, our own unavailable presence, a
hang-up), so they live apart from every handler that leads to them.
"""

from __future__ import annotations

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference.context import Context
from meetroom.calls.conference.state import Conference, bare
from meetroom.core.appstate import AppState


def cancel_timers(ctx: Context, conf: Conference) -> None:
    for name in sorted(conf.timers):
        ctx.emit(fx.CancelTimer(name))


def abandon(ctx: Context, conf: Conference, cause: int) -> None:
    """A conference that never became active here is over: back to appState 3."""
    cancel_timers(ctx, conf)
    ctx.conf = None
    if not conf.created_here:
        who = bare(conf.inviter or conf.owner)
        dn = ctx.env.peer_dn(who) if who else conf.title
        ctx.publish("rejectReceived", peerId=who or conf.conf_id, peerDn=dn, cause=cause)
    if not conf.expands:  # an expansion that failed leaves the call as it was
        ctx.set_state(AppState.NORMAL)


def finish(ctx: Context, conf: Conference) -> None:
    """We are out of the room (left, kicked, destroyed): appState 6, media closed, then 3."""
    cancel_timers(ctx, conf)
    ctx.conf = None
    ctx.set_state(AppState.CLOSE)
    ctx.emit(fx.CloseMedia())
    for who in conf.participants.values():
        ctx.emit(fx.RemoveSlot(who.jid))
    ctx.publish("conferenceDeleted", confId=conf.conf_id)
    ctx.set_state(AppState.NORMAL)
