"""Group conferences: create, invite, kick, moderators, group chat, remote devices, the podium.

`accept`, `reject`, `hangUp`, `getConferences` and `getConferenceParticipants` stay in calls.py
and hand over to the conference when the room is in one (or invited to one).
"""

from __future__ import annotations

from typing import Any

from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context

commands = CommandTable()
command = commands.command


@command("createConference")
async def create_conference(ctx: Context, msg: dict[str, Any]) -> None:
    invites = msg.get("inviteList") or []
    if not isinstance(invites, list) or not all(isinstance(p, str) for p in invites):
        raise CommandError("inviteList must be a list of TrueConf IDs")
    casters = msg.get("castersCount")
    smart = msg.get("smartMeeting", False)
    await ctx.services.conferences.create(msg["title"], msg["confType"], msg["autoAccept"], invites, smart, casters)


@command("inviteToConference")
async def invite_to_conference(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.conferences.invite(msg["peerId"])


@command("kickPeer")
async def kick_peer(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.conferences.kick(msg["peerId"])


@command("setModeratorRole")
async def set_moderator_role(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.conferences.set_moderator(msg["peerId"], msg["moderator"])


@command("sendGroupMessage")
async def send_group_message(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.conferences.send_group_message(msg["message"])


def _turn_remote(name: str, device: str) -> None:
    async def handler(ctx: Context, msg: dict[str, Any]) -> None:
        await ctx.services.conferences.turn_remote(msg["peerId"], device, msg["on"])

    command(name)(handler)


_turn_remote("turnRemoteMic", "mic")
_turn_remote("turnRemoteCamera", "video")
_turn_remote("turnRemoteSpeaker", "speaker")


def _podium(name: str, action: str, *, with_peer: bool) -> None:
    async def handler(ctx: Context, msg: dict[str, Any]) -> None:
        await ctx.services.conferences.podium(action, msg["peerId"] if with_peer else "")

    command(name)(handler)


_podium("gotoPodium", "goto", with_peer=False)
_podium("leavePodium", "leave", with_peer=False)
_podium("acceptInvitationToPodium", "accept-invitation", with_peer=False)
_podium("rejectInvitationToPodium", "reject-invitation", with_peer=False)
_podium("inviteToPodium", "invite", with_peer=True)
_podium("kickFromPodium", "kick", with_peer=True)
_podium("acceptRequestToPodium", "accept-request", with_peer=True)
_podium("rejectRequestToPodium", "reject-request", with_peer=True)


# meetroom extension: the docs name changeConferenceMode (setWaitingRoomState's see-also list) without a page
@command("changeConferenceMode", params={"smartMeeting": ("boolean", True)})
async def change_conference_mode(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    conferences = ctx.services.conferences
    await conferences.change_mode(msg["smartMeeting"])
    return {"confId": conferences.conf_id}


@command("setWaitingRoomState")
async def set_waiting_room_state(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    conferences = ctx.services.conferences
    await conferences.waiting_room(msg["enable"], bool(msg.get("isUsersMustBeInvited", False)))
    return {"confId": conferences.conf_id}


@command("setParticipantPresenceInWaitingRoom")
async def set_participant_presence_in_waiting_room(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    conferences = ctx.services.conferences
    if msg["inWaitingRoom"]:
        await conferences.send_to_waiting_room(msg["callId"])
    else:
        await conferences.answer_request(msg["callId"], True)  # admitted from the waiting room
    return {"confId": conferences.conf_id}


@command("getLastSelectedConference")
async def get_last_selected_conference(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"confType": ctx.services.conferences.last_conf_type}


@command("setReaction")
async def set_reaction(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.conferences.set_reaction(msg["reaction"])


@command("pinUser")
async def pin_user(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.conferences.pin(msg["peerId"], msg["isPinNeeded"])


@command("expandCallToMulti")
async def expand_call_to_multi(ctx: Context, msg: dict[str, Any]) -> None:
    invites = msg["inviteList"]
    if not isinstance(invites, list) or not all(isinstance(p, str) for p in invites):
        raise CommandError("inviteList must be a list of TrueConf IDs")
    await ctx.services.conferences.expand(msg["title"], invites)


@command("startRemark")
async def start_remark(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.conferences.start_remark()
