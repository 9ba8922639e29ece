"""`meetroom service install | uninstall | status`: write the unit, create the user, drive systemctl.

`--write-only` stops after writing the unit file (for packaging, and for tests, which have no
systemd to talk to); `--unit-dir` writes elsewhere than systemd's own directory.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from meetroom.systemd.unit import SERVICE_USER, SYSTEM, USER, UnitSpec, render

SYSTEM_UNIT_DIR = Path("/etc/systemd/system")

Runner = Callable[[Sequence[str]], int]


def user_unit_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    config = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    return Path(config) / "systemd" / "user"


def run_command(argv: Sequence[str]) -> int:
    print("+ " + " ".join(argv), flush=True)
    return subprocess.run(list(argv), check=False).returncode


@dataclass
class ServiceManager:
    spec: UnitSpec
    unit_dir: Path | None = None
    run: Runner = run_command

    @property
    def path(self) -> Path:
        directory = self.unit_dir or (SYSTEM_UNIT_DIR if self.spec.mode == SYSTEM else user_unit_dir())
        return directory / self.spec.name

    def systemctl(self, *args: str) -> int:
        scope = ["--user"] if self.spec.mode == USER else []
        return self.run(["systemctl", *scope, *args])

    def write(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(render(self.spec))
        return self.path

    def install(self, write_only: bool = False) -> int:
        if self.spec.mode == SYSTEM and not write_only and os.geteuid() != 0:
            print("meetroom: `service install --system` needs root (sudo); --user installs for you alone")
            return 2
        path = self.write()
        print(f"wrote {path}")
        if write_only:
            return 0
        if self.spec.mode == SYSTEM and self.ensure_user() != 0:
            return 1
        if self.systemctl("daemon-reload") != 0:
            return 1
        return self.systemctl("enable", "--now", self.spec.name)

    def ensure_user(self) -> int:
        """The dedicated system account the system unit runs as (made once, never removed by us)."""
        try:
            pwd.getpwnam(SERVICE_USER)
            return 0
        except KeyError:
            pass
        useradd = shutil.which("useradd") or "useradd"
        return self.run(
            [
                useradd,
                "--system",
                "--user-group",
                "--home-dir",
                self.spec.data_dir,
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVICE_USER,
            ]
        )

    def uninstall(self) -> int:
        if not self.path.exists():
            print(f"no unit at {self.path}")
            return 1
        self.systemctl("disable", "--now", self.spec.name)
        self.path.unlink()
        print(f"removed {self.path}")
        self.systemctl("daemon-reload")
        return 0

    def status(self) -> int:
        if not self.path.exists():
            print(f"{self.spec.name}: not installed ({self.path} does not exist)")
            return 3
        print(f"{self.spec.name}: unit {self.path}")
        return self.systemctl("status", "--no-pager", self.spec.name)


def meetroom_command() -> tuple[str, ...]:
    """How systemd starts this same meetroom: this interpreter, the package as a module."""
    return (sys.executable, "-m", "meetroom")
