"""getSystemInfo: versions, account, plan permissions, bitrate limits and camera facts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meetroom.app import Room


def encoder_bitrate_limits() -> dict[str, int]:
    """The video encoder's real range in kbit/s (the governed VP8 encoder adapts within it)."""
    from meetroom.calls.bitrate import video_limits_kbps

    return video_limits_kbps()


def version_parts(version: str) -> dict[str, int]:
    numbers = [int(p) if p.isdigit() else 0 for p in version.split(".")[:4]]
    numbers += [0] * (4 - len(numbers))
    return dict(zip(("major", "minor", "revision", "build"), numbers, strict=True))


def system_info(room: Room) -> dict[str, Any]:
    parts = version_parts(room.version)
    account = room.account()
    return {
        "authInfo": account,
        "fileInfo": dict(parts),
        "productInfo": dict(parts),
        "permissionsInfo": {
            "tariffName": "meetroom",
            "p2p": True,
            "createMulti": True,
            "symMaxNumber": 16,
            "asymMaxNumber": 16,
            "roleMaxNumber": 16,
            "rlMaxNumber": 16,
            "canUseSlideShow": True,
            "canUseDesktopSharing": True,
            "canChangeAddressBook": True,
            "canEditGroups": True,
            "canUseDialer": True,
        },
        "bitrateLimits": encoder_bitrate_limits(),
        "systemRating": {
            "videoQuality": {"send": "720p", "receiveP2P": "720p", "receiveGroup": "360p"},
            "videoContentLevels": {"send": 3, "receiveP2P": 3, "receiveGroup": 2, "bench": 3},
        },
        "cameraInfo": room.media.camera_info(),
    }
