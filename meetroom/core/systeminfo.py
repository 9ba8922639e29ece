"""getSystemInfo: versions, account, plan permissions, bitrate limits and camera facts.

The facts that live elsewhere (the account, the camera, the encoder's bitrate range) are passed
in, so this module depends on no service and on nothing above core/.
"""

from __future__ import annotations

from typing import Any

# The rights meetroom grants every account: it has no tariffs (core/plan.py derives the
# getTariffRestrictions shape from these).
PERMISSIONS: dict[str, Any] = {
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
}


def version_parts(version: str) -> dict[str, int]:
    numbers = [int(p) if p.isdigit() else 0 for p in version.split(".")[:4]]
    numbers += [0] * (4 - len(numbers))
    return dict(zip(("major", "minor", "revision", "build"), numbers, strict=True))


def system_info(
    version: str,
    account: dict[str, str],
    camera_info: dict[str, Any],
    bitrate_limits: dict[str, int],
    service: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The getSystemInfo reply; `bitrate_limits` is the video encoder's real range in kbit/s.

    `service` is meetroom's extension field `serviceInfo` (core/servicemode.py; docs/service.md).
    """
    parts = version_parts(version)
    return {
        "authInfo": account,
        "fileInfo": dict(parts),
        "productInfo": dict(parts),
        "permissionsInfo": dict(PERMISSIONS),
        "bitrateLimits": bitrate_limits,
        "systemRating": {
            "videoQuality": {"send": "720p", "receiveP2P": "720p", "receiveGroup": "360p"},
            "videoContentLevels": {"send": 3, "receiveP2P": 3, "receiveGroup": 2, "bench": 3},
        },
        "cameraInfo": camera_info,
        "serviceInfo": dict(service or {}),
    }
