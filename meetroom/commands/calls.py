"""Point-to-point calls: call, accept, reject, hangUp, the conference queries, receiving, history."""

from __future__ import annotations

from typing import Any

from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.calls.call import Phase
from meetroom.commands.services import Context

commands = CommandTable()
command = commands.command

MAX_HISTORY = 1000


@command("call")
async def call(ctx: Context, msg: dict[str, Any]) -> None:
    if str(msg["peerId"]).endswith("#vcs"):  # a conference ID: join it (commands/conference.py)
        await ctx.services.conferences.join_by_id(msg["peerId"])
        return
    await ctx.services.calls.place_call(msg["peerId"])


@command("prepareCallIdForCall")
async def prepare_call_id(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    if not ctx.services.net.domain:
        raise CommandError("not connected to a server: the server part of the ID is unknown")
    return {"peerId": ctx.services.calls.normalise(msg["peerId"])}


@command("accept")
async def accept(ctx: Context, msg: dict[str, Any]) -> None:
    if ctx.services.conferences.ringing:  # a conference invitation (conference.py)
        await ctx.services.conferences.accept()
        return
    await ctx.services.calls.accept()


@command("reject")
async def reject(ctx: Context, msg: dict[str, Any]) -> None:
    if ctx.services.conferences.ringing:
        await ctx.services.conferences.reject()
        return
    await ctx.services.calls.reject()


@command("hangUp")
async def hang_up(ctx: Context, msg: dict[str, Any]) -> None:
    if ctx.services.conferences.busy:  # forAll: the owner ends the group conference for everyone
        await ctx.services.conferences.hang_up(bool(msg.get("forAll", False)))
        return
    # a point-to-point call ends for both anyway
    await ctx.services.calls.hang_up()


def _ringing_peer(ctx: Context, peer: str) -> None:
    current = ctx.services.calls.call
    if current is None or current.outgoing or current.phase is not Phase.RINGING:
        raise CommandError("there is no incoming call")
    if peer.partition("/")[0].lower() != current.peer_bare and peer != current.peer_full:
        raise CommandError(f"'{peer}' is not calling")


@command("acceptPeer")
async def accept_peer(ctx: Context, msg: dict[str, Any]) -> None:
    if ctx.services.conferences.busy:  # someone asks to join our conference
        await ctx.services.conferences.answer_request(msg["peerId"], True)
        return
    _ringing_peer(ctx, msg["peerId"])
    await ctx.services.calls.accept()


@command("rejectPeer")
async def reject_peer(ctx: Context, msg: dict[str, Any]) -> None:
    if ctx.services.conferences.busy:
        await ctx.services.conferences.answer_request(msg["peerId"], False)
        return
    _ringing_peer(ctx, msg["peerId"])
    await ctx.services.calls.reject()


@command("getConferences")
async def get_conferences(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    if ctx.services.conferences.busy:
        return ctx.services.conferences.conferences()
    return ctx.services.calls.conferences()


@command("getConferenceParticipants")
async def get_conference_participants(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    source = ctx.services.conferences if ctx.services.conferences.busy else ctx.services.calls
    body = source.participants()
    ctx.services.meeting.recording.mark(body["participants"])
    return body


@command("enableAudioReceiving")
async def enable_audio_receiving(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.calls.set_receiving(msg["peerId"], "audio", msg["enable"])


@command("enableVideoReceiving")
async def enable_video_receiving(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.calls.set_receiving(msg["peerId"], "video", msg["enable"])


@command("setAudioReceivingLevel")
async def set_audio_receiving_level(ctx: Context, msg: dict[str, Any]) -> None:
    level = msg["level"]
    if not 0 <= level <= 100:
        raise CommandError("level must be 0..100")
    ctx.services.calls.active_media(msg["peerId"]).audio_gain = level


@command("getAudioReceivingLevel")
async def get_audio_receiving_level(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"level": ctx.services.calls.active_media(msg["peerId"]).audio_gain}


@command("getOutgoingBitrate")
async def get_outgoing_bitrate(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    current = ctx.services.calls.call
    media = current.media if current is not None and current.phase is Phase.ACTIVE else None
    return {"bitrate": media.bitrate if media is not None else 0}


@command("getCallHistory")
async def get_call_history(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    count = msg["count"]
    if not 0 <= count <= MAX_HISTORY:
        raise CommandError(f"count must be 0..{MAX_HISTORY}")
    history = ctx.services.calls.history
    return {"calls": history.recent(count), "lastView": history.last_view}


@command("clearCallHistory")
async def clear_call_history(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.calls.history.clear()


@command("getLastCallsViewTime")
async def get_last_calls_view_time(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"time": ctx.services.calls.history.last_view}


@command("setLastCallsViewed")
async def set_last_calls_viewed(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.calls.history.mark_viewed()
