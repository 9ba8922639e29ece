"""Smart meetings: a role-based conference whose podium follows the voices (createConference smartMeeting).

The owner's room runs the selector (selector.py) on the audio levels its legs hear and seats or
unseats speakers with MUC voice, as the podium commands do. Every participant learns the mode
from the owner (a meetroom `smart-mode` signal, on joining and on every change) and while it is on
a listener sends its audio (not its video) on the leg to the owner, so the selector hears it.
`changeConferenceMode` (meetroom extension) switches the mode: the owner at once, a moderator
through the owner. Each room announces `smartMeetingModeChanged {confId, smartMeeting}` when its
conference starts in smart mode and whenever the mode changes.
"""

from __future__ import annotations

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference import inputs as ev
from meetroom.calls.conference import legs
from meetroom.calls.conference.context import Context
from meetroom.calls.conference.selector import SpeakerSelector
from meetroom.calls.conference.state import ROLE_BASED, Conference, Participant, Phase
from meetroom.calls.errors import CallError
from meetroom.net.muc import ConfSignal

SIGNAL = "smart-mode"


def check_create(smart: object, casters: object, conf_type: int) -> tuple[bool, int]:
    """createConference's smartMeeting and castersCount, refused before anything changes."""
    if not isinstance(smart, bool):
        raise CallError("smartMeeting must be true or false")
    if smart and conf_type != ROLE_BASED:
        raise CallError("smartMeeting needs a role-based conference (confType 'role')")
    if casters is None:
        return smart, 0
    if not isinstance(casters, int) or isinstance(casters, bool) or casters < 1:
        raise CallError("castersCount must be a whole number of at least 1")
    return smart, casters


def _flag(value: bool) -> str:
    return "true" if value else "false"


def announce(ctx: Context, conf: Conference) -> None:
    ctx.publish("smartMeetingModeChanged", confId=conf.conf_id, smartMeeting=conf.smart)


def started(ctx: Context, conf: Conference) -> None:
    """The conference is active here: a smart one says so once."""
    if conf.smart:
        announce(ctx, conf)


def change_mode(ctx: Context, cmd: ev.ChangeMode) -> None:
    conf = ctx.active("change the conference mode")
    if not isinstance(cmd.smart, bool):
        raise CallError("smartMeeting must be true or false")
    if conf.conf_type != ROLE_BASED:
        raise CallError("smart meetings exist in role-based conferences only")
    if not (conf.is_owner or conf.is_moderator):
        raise CallError("only the conference owner or a moderator can change the conference mode")
    if conf.is_owner:
        _set(ctx, conf, cmd.smart)
        return
    owner = next((p for p in conf.participants.values() if p.owner), None)
    if owner is None or not owner.mesh:
        raise CallError("the conference has no meetroom owner to run the video selector")
    ctx.emit(fx.SendSignal(owner.jid, conf.conf_id, SIGNAL, {"on": _flag(cmd.smart)}))


def _set(ctx: Context, conf: Conference, smart: bool) -> None:
    """The owner's side: the mode changes for everyone."""
    if conf.smart == smart:
        return
    conf.smart = smart
    conf.selector = SpeakerSelector(conf.selector.tuning)
    announce(ctx, conf)
    for who in conf.participants.values():
        if who.mesh:
            ctx.emit(fx.SendSignal(who.jid, conf.conf_id, SIGNAL, {"on": _flag(smart)}))


def greet(ctx: Context, conf: Conference, who: Participant) -> None:
    """The owner tells a joiner that the meeting is smart (a plain role-based one needs no word)."""
    if conf.is_owner and conf.smart and who.mesh and conf.phase is Phase.ACTIVE:
        ctx.emit(fx.SendSignal(who.jid, conf.conf_id, SIGNAL, {"on": "true"}))


def on_signal(ctx: Context, conf: Conference, sender: Participant, signal: ConfSignal) -> bool:
    """`smart-mode` from the owner (the mode now) or, at the owner, from a moderator (a request)."""
    if signal.name != SIGNAL:
        return False
    smart = signal.attrs.get("on") == "true"
    if conf.conf_type != ROLE_BASED:
        return True
    if sender.owner and not conf.is_owner:
        if conf.smart != smart:
            conf.smart = smart
            announce(ctx, conf)
            legs.connect(ctx, conf)  # a listener's audio to the owner starts or stops
    elif sender.moderator and conf.is_owner:
        _set(ctx, conf, smart)
    return True


def levels(ctx: Context, heard: ev.AudioLevels) -> None:
    """A sample of what the owner hears: the selector's podium changes become MUC roles."""
    conf = ctx.conf
    if conf is None or conf.phase is not Phase.ACTIVE or not conf.smart or not conf.is_owner:
        return
    if conf.conf_type != ROLE_BASED:
        return
    own = ctx.env.own_full
    podium = {own} | {p.jid for p in conf.participants.values() if p.voice}
    fixed = {own} | {p.jid for p in conf.participants.values() if p.owner or p.moderator}
    hearable = {jid: level for jid, level in heard.levels.items() if jid in conf.participants}
    capacity = conf.casters or ctx.env.mesh_size
    change = conf.selector.step(ctx.now, hearable, podium, capacity, fixed)
    for jid in change.down:
        ctx.emit(fx.SetRole(conf.room, conf.participants[jid].nick, "visitor"))
    for jid in change.up:
        ctx.emit(fx.SetRole(conf.room, conf.participants[jid].nick, "participant"))


def listening(conf: Conference | None) -> bool:
    """Whether the driver should sample audio levels for the selector now."""
    return (
        conf is not None
        and conf.phase is Phase.ACTIVE
        and conf.smart
        and conf.is_owner
        and conf.conf_type == ROLE_BASED
    )
