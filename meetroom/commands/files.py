"""Files on the built-in HTTP server: listing and deleting (uploads arrive over HTTP, web/files.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context, RoomServices
from meetroom.store.files import FileRecord, parse_id

if TYPE_CHECKING:
    from meetroom.core.screensettings import ScreenSettings
    from meetroom.media.background import BackgroundReplacement
    from meetroom.media.broadcast import BroadcastPicture
    from meetroom.media.slides import SlideService


class FileShowers(Protocol):
    """What can show an uploaded file: RoomServices has it, and so has the room before its network side."""

    @property
    def screen_settings(self) -> ScreenSettings: ...
    @property
    def broadcast(self) -> BroadcastPicture: ...
    @property
    def background(self) -> BackgroundReplacement: ...
    @property
    def slides(self) -> SlideService: ...


commands = CommandTable()
command = commands.command

FILE_ID = {"fileId": ("integer|string", True)}


def file_record(services: RoomServices, value: Any) -> FileRecord:
    """The uploaded file a command names, or a clear error."""
    file_id = parse_id(value)
    if file_id is None:
        raise CommandError("fileId must be a positive number (the FileId header of the upload)")
    record = services.files.get(file_id)
    if record is None:
        raise CommandError(f"no uploaded file with id {file_id}")
    return record


def file_in_use(services: FileShowers, file_id: int, *, slides: bool = True) -> str | None:
    use = services.screen_settings.uses(file_id)
    if use is None:
        use = services.broadcast.uses(file_id)
    if use is None:
        use = services.background.uses(file_id)
    if use is None and slides:
        use = services.slides.uses(file_id)
    return use


@command("getFileList")
async def get_file_list(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"fileList": [r.entry() for r in ctx.services.files.all()]}


@command("deleteFileTransferFile", params=FILE_ID)
async def delete_file(ctx: Context, msg: dict[str, Any]) -> None:
    services = ctx.services
    record = file_record(services, msg["fileId"])
    use = file_in_use(services, record.id)
    if use is not None:
        raise CommandError(f"file {record.id} is in use as {use}; choose another picture first")
    services.uploads.delete(record.id)
    services.transfers.file_deleted(record.id)
