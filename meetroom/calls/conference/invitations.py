"""The invitee's side: an invitation arrives, rings, and is accepted, rejected or left unanswered.

An invitation that expands the 1:1 call we are in with its very sender is joined at once (no
inviteReceived, no ringing). A busy room declines with cause 2. `decline_in` is the owner's side
of a refusal.
"""

from __future__ import annotations

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference.context import BUSY, DECLINED, JOIN_TIMEOUT, Context
from meetroom.calls.conference.state import CONF_TYPES, ROLE_BASED, Conference, Invitation, bare, conf_id_for_room
from meetroom.calls.errors import CallError
from meetroom.core.appstate import AppState
from meetroom.net.muc import Decline
from meetroom.net.muc import Invitation as InvitationIn


def received(ctx: Context, inv: InvitationIn) -> None:
    env = ctx.env
    if ctx.conf is not None and ctx.conf.room == inv.room:
        return  # an invitation into the conference we are in
    if ctx.invitation is not None and ctx.invitation.room == inv.room:
        return  # the same invitation again
    fields = inv.fields
    conf_id = fields.get("id") or conf_id_for_room(inv.room, env.domain)
    inviter_dn = env.peer_dn(bare(inv.sender))
    expands = fields.get("expands", "")
    invitation = Invitation(
        conf_id=conf_id,
        room=inv.room,
        inviter=inv.sender,
        inviter_dn=inviter_dn,
        title=fields.get("title") or inv.reason,
        conf_type=CONF_TYPES.get(fields.get("type", ""), 1),
        owner=fields.get("owner") or inv.sender,
    )
    invitation.smart = invitation.conf_type == ROLE_BASED and fields.get("smart") == "true"
    if expands and not ctx.busy and expands == env.call_conf_id and inv.sender == env.call_peer:
        # the peer of our call turns it into a conference: join at once, nothing rings
        invitation.expands = expands
        ctx.invitation = invitation
        accept(ctx)
        return
    if ctx.busy or env.app_state != AppState.NORMAL or not env.logged_in:
        ctx.emit(fx.SendDecline(inv.sender, conf_id, BUSY))
        ctx.publish("rejectSent", confId=conf_id, peerId=bare(inv.sender), peerDn=inviter_dn, cause=BUSY)
        return
    ctx.invitation = invitation
    ctx.publish(
        "inviteReceived",
        confId=conf_id,
        peerId=invitation.inviter_bare,
        peerDn=inviter_dn,
        type=invitation.conf_type,
        confTitle=invitation.title,
    )
    ctx.set_state(AppState.WAIT)
    ctx.emit(fx.StartTimer("ring", env.ring_timeout))
    if env.auto_accept:
        accept(ctx)


def _ringing(ctx: Context, what: str) -> Invitation:
    if ctx.invitation is None:
        raise CallError(f"there is no conference invitation to {what}")
    return ctx.invitation


def accept(ctx: Context) -> None:
    inv = _ringing(ctx, "accept")
    ctx.invitation = None
    if not inv.expands:
        ctx.emit(fx.CancelTimer("ring"))
    ctx.conf = Conference(
        conf_id=inv.conf_id,
        room=inv.room,
        title=inv.title,
        conf_type=inv.conf_type,
        owner=inv.owner,
        auto_accept=True,
        created=ctx.now,
        nick=ctx.own_nick,
        created_here=False,
        inviter=inv.inviter,
        expands=inv.expands,
        smart=inv.smart,
    )
    ctx.emit(fx.Join(inv.room, ctx.conf.nick))
    ctx.timer("join", JOIN_TIMEOUT)


def reject(ctx: Context) -> None:
    decline(ctx, _ringing(ctx, "reject"), DECLINED)


def decline(ctx: Context, inv: Invitation, cause: int) -> None:
    ctx.invitation = None
    ctx.emit(fx.CancelTimer("ring"), fx.SendDecline(inv.inviter, inv.conf_id, cause))
    ctx.publish("rejectSent", confId=inv.conf_id, peerId=inv.inviter_bare, peerDn=inv.inviter_dn, cause=cause)
    ctx.set_state(AppState.NORMAL)


def declined(ctx: Context, decline_in: Decline) -> None:
    """An invitee refused our invitation."""
    conf = ctx.conf
    who = bare(decline_in.sender)
    if conf is None or decline_in.conf_id != conf.conf_id or who not in conf.invited:
        return
    dn = conf.invited.pop(who)
    ctx.publish("rejectReceived", peerId=who, peerDn=dn, cause=decline_in.cause)
