"""Files on the built-in HTTP server: listing and deleting (uploads arrive over HTTP, web/files.py)."""

from __future__ import annotations

from typing import Any

from meetroom.api.context import CommandContext
from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.app import Room
from meetroom.store.files import FileRecord, parse_id

commands = CommandTable()
command = commands.command

FILE_ID = {"fileId": ("integer|string", True)}


def file_record(room: Room, value: Any) -> FileRecord:
    """The uploaded file a command names, or a clear error."""
    file_id = parse_id(value)
    if file_id is None:
        raise CommandError("fileId must be a positive number (the FileId header of the upload)")
    record = room.files.get(file_id)
    if record is None:
        raise CommandError(f"no uploaded file with id {file_id}")
    return record


def file_in_use(room: Room, file_id: int, *, slides: bool = True) -> str | None:
    use = room.screen_settings.uses(file_id)
    if use is None and room.appstate.status.broadcast_picture.get("fileId") == file_id:
        use = "the broadcast picture"
    if use is None and slides:
        use = room.slides.uses(file_id)
    return use


@command("getFileList")
async def get_file_list(ctx: CommandContext, msg: dict[str, Any]) -> dict[str, Any]:
    return {"fileList": [r.entry() for r in ctx.room.files.all()]}


@command("deleteFileTransferFile", params=FILE_ID)
async def delete_file(ctx: CommandContext, msg: dict[str, Any]) -> None:
    room = ctx.room
    record = file_record(room, msg["fileId"])
    use = file_in_use(room, record.id)
    if use is not None:
        raise CommandError(f"file {record.id} is in use as {use}; choose another picture first")
    room.files.delete(record.id)
    room.bus.publish("fileTransferFileDeleted", {"file": record.entry()})
