"""Whether this process runs as a system service, read from the variables systemd sets for its units.

systemd gives every unit's processes INVOCATION_ID, and a Type=notify unit's main process
NOTIFY_SOCKET; a room started by hand has neither. getSystemInfo (as a meetroom extension field),
the web manager, /metrics and /health report the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SYSTEMD, NONE = "systemd", "none"


def service_manager(environ: Mapping[str, str]) -> str:
    """'systemd' under a systemd unit, else 'none'."""
    return SYSTEMD if environ.get("INVOCATION_ID") or environ.get("NOTIFY_SOCKET") else NONE


def service_info(environ: Mapping[str, str]) -> dict[str, Any]:
    """The `serviceInfo` object of getSystemInfo (meetroom extension)."""
    manager = service_manager(environ)
    return {
        "runsAsService": manager != NONE,
        "manager": manager,
        "unit": environ.get("MEETROOM_UNIT", "") if manager != NONE else "",
        "watchdog": manager != NONE and bool(environ.get("WATCHDOG_USEC")),
    }
