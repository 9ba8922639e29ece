"""Remarks: a listener of a role-based conference speaks briefly without taking the podium.

`startRemark` asks the owner (a meetroom signal); the owner's room gives the listener MUC voice
for REMARK_SECONDS and takes it back when the time is up; the listener's room counts down with
`remarkCountDown {timeout, confId}` once a second, down to 0. While it has voice its legs send,
as on the podium (what the room sends is then audio and video, not audio alone).
"""

from __future__ import annotations

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference.context import Context
from meetroom.calls.conference.state import ROLE_BASED, Conference, Participant
from meetroom.calls.errors import CallError
from meetroom.net.muc import ConfSignal

REMARK_SECONDS = 30
TICK = "remark-tick"  # the listener's countdown
OVER = "remark-over:"  # + the listener's JID: the owner takes voice back


def start(ctx: Context, _: ev.StartRemark) -> None:
    conf = ctx.active("make a remark")
    if conf.conf_type != ROLE_BASED:
        raise CallError("remarks exist in role-based conferences only")
    if conf.voice:
        raise CallError("this room is on the podium: it can speak without a remark")
    if conf.remark_left > 0:
        raise CallError(f"a remark is running: {conf.remark_left} s left")
    owner = next((p for p in conf.participants.values() if p.owner), None)
    if owner is None:
        raise CallError("the conference has no owner to give the floor")
    ctx.emit(fx.SendSignal(owner.jid, conf.conf_id, "remark"))


def on_signal(ctx: Context, conf: Conference, sender: Participant, signal: ConfSignal) -> bool:
    """Remark messages; False when the signal is none of them."""
    if signal.name == "remark":
        _grant(ctx, conf, sender)
    elif signal.name == "remark-granted" and sender.owner and not conf.voice:
        seconds = signal.attrs.get("seconds", "")
        conf.remark_left = int(seconds) if seconds.isdigit() else REMARK_SECONDS
        _count(ctx, conf)
    else:
        return False
    return True


def _grant(ctx: Context, conf: Conference, listener: Participant) -> None:
    """The owner's side: voice for a while, to a listener that has none."""
    if not conf.is_owner or conf.conf_type != ROLE_BASED or listener.voice:
        return
    conf.remarks.add(listener.jid)
    ctx.emit(fx.SetRole(conf.room, listener.nick, "participant"))
    ctx.emit(fx.SendSignal(listener.jid, conf.conf_id, "remark-granted", {"seconds": str(REMARK_SECONDS)}))
    ctx.timer(OVER + listener.jid, REMARK_SECONDS)


def _count(ctx: Context, conf: Conference) -> None:
    ctx.publish("remarkCountDown", timeout=conf.remark_left, confId=conf.conf_id)
    if conf.remark_left > 0:
        ctx.timer(TICK, 1.0)


def timer_fired(ctx: Context, conf: Conference, name: str) -> bool:
    """The countdown's tick or the end of a granted remark; False for other timers."""
    if name == TICK:
        conf.remark_left = max(0, conf.remark_left - 1)
        _count(ctx, conf)
    elif name.startswith(OVER):
        jid = name[len(OVER) :]
        conf.remarks.discard(jid)
        listener = conf.participants.get(jid)
        if listener is not None and listener.voice and not listener.owner:
            ctx.emit(fx.SetRole(conf.room, listener.nick, "visitor"))
    else:
        return False
    return True
