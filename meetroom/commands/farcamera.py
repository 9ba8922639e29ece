"""Far-end camera control: ask a participant for its camera, answer such asks, steer a camera given.

The handlers only call `meeting.camera` (meetroom.calls.farcamera); the outcome of an ask comes
later as notifications (requestCameraControlSent, outgoingRequestCameraControlAccepted/Rejected).
"""

from __future__ import annotations

from typing import Any

from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context

commands = CommandTable()
command = commands.command


@command("requestParticipantCameraControl")
async def request_control(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.meeting.camera.request(msg["callId"])


@command("acceptRequestCameraControl")
async def accept_request(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.meeting.camera.accept(msg["callId"])


# python-trueconf-room sends it without callId; then the one waiting ask is meant
@command("rejectRequestCameraControl", params={"callId": ("string", False)})
async def reject_request(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.meeting.camera.reject(msg.get("callId"))


def _move_command(name: str, direction: str) -> None:
    async def handler(ctx: Context, msg: dict[str, Any]) -> None:
        await ctx.services.meeting.camera.move(msg["cameraOwnerCallId"], direction)

    command(name)(handler)


for _name, _direction in (
    ("remotelyControlledCameraPtzUp", "up"),
    ("remotelyControlledCameraPtzDown", "down"),
    ("remotelyControlledCameraPtzLeft", "left"),
    ("remotelyControlledCameraPtzRight", "right"),
    ("remotelyControlledCameraPtzZoomInc", "zoomInc"),
    ("remotelyControlledCameraPtzZoomDec", "zoomDec"),
):
    _move_command(_name, _direction)


@command("getRemotelyControlledCameras")
async def remotely_controlled(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"callIdList": ctx.services.meeting.camera.remotely_controlled()}


@command("getIncomingCameraControlRequests")
async def incoming_requests(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"callIdList": ctx.services.meeting.camera.incoming_requests()}


@command("getOutgoingCameraControlRequests")
async def outgoing_requests(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"callIdList": ctx.services.meeting.camera.outgoing_requests()}
