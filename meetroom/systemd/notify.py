"""sd_notify, written out: datagrams to the socket systemd names in $NOTIFY_SOCKET.

A Type=notify unit counts as started when the main process sends READY=1 (meetroom sends it once
the API listens) and, with WatchdogSec=, restarts it unless WATCHDOG=1 arrives often enough.
The pings come from a task on the event loop, at half the interval systemd asked for, so a loop
that is stuck stops pinging and systemd restarts the room. STOPPING=1 tells it a stop is on
purpose. Outside systemd (no $NOTIFY_SOCKET) every call does nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Mapping

from meetroom.core.tasks import cancel_and_wait

log = logging.getLogger(__name__)


def socket_address(value: str) -> str | None:
    """The address to send to: a path, or an abstract name ('@name' becomes '\\0name'); None otherwise."""
    if value.startswith("@"):
        return "\0" + value[1:]
    if value.startswith("/"):
        return value
    return None  # vsock: and other kinds are not used for local services


def send(message: str, environ: Mapping[str, str] = os.environ) -> bool:
    """Send one notification; whether it went out (False outside systemd or when the socket is gone)."""
    address = socket_address(environ.get("NOTIFY_SOCKET", ""))
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError as exc:
        log.warning("cannot notify systemd (%s): %s", message.split("=", 1)[0], exc)
        return False
    return True


def watchdog_interval(environ: Mapping[str, str] = os.environ, pid: int | None = None) -> float | None:
    """Seconds between pings (half of $WATCHDOG_USEC), or None when no watchdog is asked of this process."""
    usec = environ.get("WATCHDOG_USEC", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    owner = environ.get("WATCHDOG_PID", "")
    if owner and owner != str(pid if pid is not None else os.getpid()):
        return None  # meant for another process (we were started by the service's main process)
    return int(usec) / 1e6 / 2


# appState as `systemctl status` shows it (STATUS=)
STATE_TEXT = (
    "no server",
    "connecting to the server",
    "login required",
    "logged in, idle",
    "call pending",
    "in a call",
    "ending a call",
)


class ServiceNotifier:
    """What the room tells systemd over its life: ready, alive (from the loop), stopping."""

    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        self.environ = environ
        self.active = socket_address(environ.get("NOTIFY_SOCKET", "")) is not None
        self.pings = 0
        self._task: asyncio.Task[None] | None = None

    def ready(self, status: str = "") -> None:
        if self.active:
            send("READY=1\nSTATUS=" + status if status else "READY=1", self.environ)
            interval = watchdog_interval(self.environ)
            if interval is not None and self._task is None:
                self._task = asyncio.create_task(self._keep_alive(interval), name="systemd-watchdog")

    def status(self, text: str) -> None:
        if self.active:
            send(f"STATUS={text}", self.environ)

    def app_state(self, snapshot: dict[str, object]) -> None:
        """appStateChanged: the unit's status line follows the room (e.g. 'in a call')."""
        state = snapshot.get("appState")
        if isinstance(state, int) and 0 <= state < len(STATE_TEXT):
            self.status(STATE_TEXT[state])

    async def stopping(self) -> None:
        if not self.active:
            return
        send("STOPPING=1", self.environ)
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _keep_alive(self, interval: float) -> None:
        while True:
            if send("WATCHDOG=1", self.environ):
                self.pings += 1
            await asyncio.sleep(interval)
