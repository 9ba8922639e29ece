"""An asyncio client of the room's API, used by `meetroom ctl`, the tests and the benchmarks."""

from meetroom.client.room_client import AuthFailed, RoomClient

__all__ = ["AuthFailed", "RoomClient"]
