"""The systemd unit of a room: Type=notify with a watchdog, restart on failure, a state directory.

A system unit (`--system`) runs as the dedicated user `meetroom` with /var/lib/meetroom as its
state directory (systemd creates it and hands it to that user) and a read-only view of the rest
of the machine; a user unit (`--user`) runs as its owner, state under ~/.local/state. Logs are
the process's stdout and stderr, which systemd puts in the journal. Pure text: writing and
enabling it is manage.py's job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

SYSTEM, USER = "system", "user"
SERVICE_USER = "meetroom"
WATCHDOG_SECONDS = 30  # systemd restarts a room whose event loop did not ping for this long
DEFAULT_INSTANCE = "default"

_PLAIN = re.compile(r"^[A-Za-z0-9_@%+=:,./-]+$")


def quote(arg: str) -> str:
    """One ExecStart= word: systemd expands % specifiers and $ variables, and splits at spaces."""
    arg = arg.replace("%", "%%").replace("$", "$$")
    if arg and _PLAIN.match(arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unit_name(instance: str = DEFAULT_INSTANCE) -> str:
    """meetroom.service, or meetroom-<instance>.service for a separate instance."""
    if instance == DEFAULT_INSTANCE:
        return "meetroom.service"
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", instance)
    return f"meetroom-{safe}.service"


@dataclass(frozen=True)
class UnitSpec:
    mode: str  # SYSTEM or USER
    command: tuple[str, ...]  # the program and its first arguments: python -m meetroom
    run_args: tuple[str, ...] = ()  # `meetroom run` options given to `service install`
    instance: str = DEFAULT_INSTANCE

    @property
    def name(self) -> str:
        return unit_name(self.instance)

    @property
    def state_directory(self) -> str:
        return self.name.removesuffix(".service")

    @property
    def data_dir(self) -> str:
        """/var/lib/<state dir> for the system; %S (the user's state home) for a user unit."""
        return f"/var/lib/{self.state_directory}" if self.mode == SYSTEM else f"%S/{self.state_directory}"

    def exec_start(self) -> str:
        words = [quote(w) for w in (*self.command, "run")]
        if not _given(self.run_args, "--data-dir"):
            words += ["--data-dir", self.data_dir]  # already a systemd word (%S is meant as a specifier)
        if self.instance != DEFAULT_INSTANCE and not _given(self.run_args, "-t", "--instance"):
            words += ["--instance", quote(self.instance)]
        words += [quote(a) for a in self.run_args]
        return " ".join(words)


def _given(args: Sequence[str], *options: str) -> bool:
    return any(a in options or a.split("=", 1)[0] in options for a in args)


def render(spec: UnitSpec) -> str:
    instance = "" if spec.instance == DEFAULT_INSTANCE else f" '{spec.instance}'"
    lines = [
        "# Written by `meetroom service install`; docs/service.md explains every line.",
        "[Unit]",
        f"Description=meetroom meeting-room terminal{instance}",
        "After=network-online.target",
        "Wants=network-online.target",
        "",
        "[Service]",
        "Type=notify",
        "NotifyAccess=main",
        f"ExecStart={spec.exec_start()}",
        f"WatchdogSec={WATCHDOG_SECONDS}",
        "Restart=on-failure",
        "RestartSec=5",
        "TimeoutStartSec=60",
        "TimeoutStopSec=20",
        f"StateDirectory={spec.state_directory}",
        "StateDirectoryMode=0750",
        f"WorkingDirectory={spec.data_dir}",
        "Environment=PYTHONUNBUFFERED=1",
        f"Environment=MEETROOM_UNIT={spec.name}",
        "NoNewPrivileges=yes",
    ]
    if spec.mode == SYSTEM:
        lines += [
            f"User={SERVICE_USER}",
            f"Group={SERVICE_USER}",
            "SupplementaryGroups=video audio",  # cameras and sound cards
            "ProtectSystem=strict",
            "ProtectHome=read-only",  # a virtualenv under /home still runs
            "PrivateTmp=yes",
            "ProtectKernelTunables=yes",
            "ProtectControlGroups=yes",
            "RestrictSUIDSGID=yes",
        ]
    lines += ["", "[Install]", "WantedBy=" + ("multi-user.target" if spec.mode == SYSTEM else "default.target"), ""]
    return "\n".join(lines)
