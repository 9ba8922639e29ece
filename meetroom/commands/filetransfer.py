"""Files between rooms: send, answer incoming requests, lists, history, PIN (meetroom.net.filetransfer).

Both API generations are answered: the current one (fileRequestId strings) and the older one
(numeric `id`); a request carries both, so either name finds it.
"""

from __future__ import annotations

from typing import Any

from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context
from meetroom.net.filerequests import INCOMING, OUTGOING
from meetroom.store.files import parse_id

commands = CommandTable()
command = commands.command

REQUEST_ID = {"fileRequestId": ("string|integer", False), "id": ("integer|string", False)}
SHOW_KEYS = ("show", "value", "enabled", "isShow", "showFileTransferTools")


def _request_key(msg: dict[str, Any]) -> Any:
    key = msg.get("fileRequestId", msg.get("id"))
    if key is None or key == "":
        raise CommandError("missing required parameter 'fileRequestId' (string) or 'id' (integer)")
    return key


@command(
    "sendFile",
    params={"fileId": ("integer|string", True), "callId": ("string", False), "peerId": ("string", False)},
)
async def send_file(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    file_id = parse_id(msg["fileId"])
    if file_id is None:
        raise CommandError("fileId must be a positive number (the FileId header of the upload)")
    peer = msg.get("callId") or msg.get("peerId")
    if not peer:
        raise CommandError("missing required parameter 'callId' (string): the receiver")
    request = await ctx.services.transfers.send(peer, file_id)
    return {"sentFileRequestId": request.request_id, "id": request.legacy_id}


async def _to_conference(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    file_id = parse_id(msg["fileId"])
    if file_id is None:
        raise CommandError("fileId must be a positive number (the FileId header of the upload)")
    request = await ctx.services.transfers.send_to_conference(file_id)
    return {"sentFileRequestId": request.request_id, "id": request.legacy_id}


@command("sendFileToConference", params={"fileId": ("integer|string", True)})
async def send_file_to_conference(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return await _to_conference(ctx, msg)


@command("sendConferenceFile", params={"fileId": ("integer|string", True)})
async def send_conference_file(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return await _to_conference(ctx, msg)


@command("acceptIncomingFileRequest", params=REQUEST_ID)
async def accept_incoming(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.transfers.accept(_request_key(msg))


@command("acceptFile", params=REQUEST_ID)
async def accept_file(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.transfers.accept(_request_key(msg))


@command("rejectIncomingFileRequest", params=REQUEST_ID)
async def reject_incoming(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.transfers.reject(_request_key(msg))


@command("rejectFile", params=REQUEST_ID)
async def reject_file(ctx: Context, msg: dict[str, Any]) -> None:
    await ctx.services.transfers.reject(_request_key(msg))


@command("getIncomingFilesRequests")
async def get_incoming(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"incomingFilesRequests": [r.list_entry() for r in ctx.services.transfers.requests(INCOMING)]}


@command("getOutgoingFilesRequests")
async def get_outgoing(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"outgoingFilesRequests": [r.list_entry() for r in ctx.services.transfers.requests(OUTGOING)]}


@command("getFileRequests")
async def get_file_requests(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"files": [r.legacy_info() for r in ctx.services.transfers.requests(INCOMING)]}


@command("getFileUploads")
async def get_file_uploads(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"files": [r.legacy_info() for r in ctx.services.transfers.requests(OUTGOING)]}


@command("getFileTransferInfo")
async def get_file_transfer_info(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"files": [r.legacy_info() for r in ctx.services.transfers.requests()]}


@command("getFileRequestInfo", params=REQUEST_ID)
async def get_file_request_info(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.services.transfers.request(_request_key(msg)).info()


@command("getFileInfo", params=REQUEST_ID)
async def get_file_info(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return ctx.services.transfers.request(_request_key(msg)).legacy_info()


@command("getFileTransferHistory")
async def get_history(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"filesRequests": [r.history_entry() for r in ctx.services.transfers.history()]}


@command("clearFileTransferHistory")
async def clear_history(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.transfers.clear_history(delete_files=False)


@command("clearFileTransfer")
async def clear_file_transfer(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.transfers.clear_history(delete_files=True)


@command("getFileTransferAvailability")
async def get_availability(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    availability = ctx.services.transfers.availability
    return {"availability": availability, "available": availability == 3}


@command("getFileTransferPIN")
async def get_pin(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"pin": ctx.services.transfers.prefs.pin()}


@command("resetFileTransferPIN")
async def reset_pin(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"pin": ctx.services.transfers.prefs.reset_pin()}


@command("checkFileTransferPIN", params={"pin": ("string|integer", True)})
async def check_pin(ctx: Context, msg: dict[str, Any]) -> None:
    if not ctx.services.transfers.prefs.check_pin(str(msg["pin"])):
        raise CommandError("the PIN does not match the file-transfer PIN")


@command("getShowFileTransferTools")
async def get_show_tools(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"show": ctx.services.transfers.prefs.show_tools}


@command("setShowFileTransferTools")
async def set_show_tools(ctx: Context, msg: dict[str, Any]) -> None:
    for key in SHOW_KEYS:
        if key in msg:
            if not isinstance(msg[key], bool):
                raise CommandError(f"'{key}' must be true or false")
            ctx.services.transfers.prefs.set_show_tools(msg[key])
            return
    raise CommandError("missing required parameter 'show' (boolean)")
