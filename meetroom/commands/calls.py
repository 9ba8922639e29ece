"""Point-to-point calls: call, accept, reject, hangUp, the conference queries, receiving, history."""

from __future__ import annotations

from typing import Any

from meetroom.api.context import CommandContext
from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.calls.call import Phase
from meetroom.calls.manager import CallError

commands = CommandTable()
command = commands.command

MAX_HISTORY = 1000


async def _run(coro: Any) -> Any:
    try:
        return await coro
    except CallError as exc:
        raise CommandError(str(exc)) from None


def _query(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except CallError as exc:
        raise CommandError(str(exc)) from None


@command("call")
async def call(ctx: CommandContext, msg: dict[str, Any]) -> None:
    await _run(ctx.room.calls.place_call(msg["peerId"]))


@command("prepareCallIdForCall")
async def prepare_call_id(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    if not ctx.room.net.domain:
        raise CommandError("not connected to a server: the server part of the ID is unknown")
    return {"peerId": _query(ctx.room.calls.normalise, msg["peerId"])}


@command("accept")
async def accept(ctx: CommandContext, msg: dict[str, Any]) -> None:
    await _run(ctx.room.calls.accept())


@command("reject")
async def reject(ctx: CommandContext, msg: dict[str, Any]) -> None:
    await _run(ctx.room.calls.reject())


@command("hangUp")
async def hang_up(ctx: CommandContext, msg: dict[str, Any]) -> None:
    # forAll only matters in group conferences; a point-to-point call ends for both anyway
    await _run(ctx.room.calls.hang_up())


def _ringing_peer(ctx: CommandContext, peer: str) -> None:
    current = ctx.room.calls.call
    if current is None or current.outgoing or current.phase is not Phase.RINGING:
        raise CommandError("there is no incoming call")
    if peer.partition("/")[0].lower() != current.peer_bare and peer != current.peer_full:
        raise CommandError(f"'{peer}' is not calling")


@command("acceptPeer")
async def accept_peer(ctx: CommandContext, msg: dict[str, Any]) -> None:
    _ringing_peer(ctx, msg["peerId"])
    await _run(ctx.room.calls.accept())


@command("rejectPeer")
async def reject_peer(ctx: CommandContext, msg: dict[str, Any]) -> None:
    _ringing_peer(ctx, msg["peerId"])
    await _run(ctx.room.calls.reject())


@command("getConferences")
async def get_conferences(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return _query(ctx.room.calls.conferences)


@command("getConferenceParticipants")
async def get_conference_participants(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return _query(ctx.room.calls.participants)


def _receiving(kind: str, event: str) -> None:
    async def handler(ctx: CommandContext, msg: dict[str, Any]) -> None:
        media = _query(ctx.room.calls.active_media, msg["peerId"])
        enable = msg["enable"]
        if media.receive[kind] != enable:
            media.receive[kind] = enable
            if kind == "video" and not enable:
                ctx.room.media.frames.remove(media.peer_id)
            if kind == "audio" and not enable:
                media.audio_level = 0.0
            ctx.room.bus.publish(event, {"peerId": media.peer_id, "enable": enable})

    command("enable" + kind.capitalize() + "Receiving")(handler)


_receiving("audio", "enableAudioReceivingChanged")
_receiving("video", "enableVideoReceivingChanged")


@command("setAudioReceivingLevel")
async def set_audio_receiving_level(ctx: CommandContext, msg: dict[str, Any]) -> None:
    level = msg["level"]
    if not 0 <= level <= 100:
        raise CommandError("level must be 0..100")
    _query(ctx.room.calls.active_media, msg["peerId"]).audio_gain = level


@command("getAudioReceivingLevel")
async def get_audio_receiving_level(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return {"level": _query(ctx.room.calls.active_media, msg["peerId"]).audio_gain}


@command("getOutgoingBitrate")
async def get_outgoing_bitrate(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    current = ctx.room.calls.call
    media = current.media if current is not None and current.phase is Phase.ACTIVE else None
    return {"bitrate": media.bitrate if media is not None else 0}


@command("getCallHistory")
async def get_call_history(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    count = msg["count"]
    if not 0 <= count <= MAX_HISTORY:
        raise CommandError(f"count must be 0..{MAX_HISTORY}")
    history = ctx.room.calls.history
    return {"calls": history.recent(count), "lastView": history.last_view}


@command("clearCallHistory")
async def clear_call_history(ctx: CommandContext, msg: dict[str, Any]) -> None:
    ctx.room.calls.history.clear()
    ctx.room.bus.publish("callHistoryCleared", {})


@command("getLastCallsViewTime")
async def get_last_calls_view_time(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return {"time": ctx.room.calls.history.last_view}


@command("setLastCallsViewed")
async def set_last_calls_viewed(ctx: CommandContext, msg: dict[str, Any]) -> None:
    ctx.room.bus.publish("lastCallsViewed", {"lastView": ctx.room.calls.history.mark_viewed()})
