"""Prepares the development server's directory and accounts, then becomes Prosody.

The process execs /usr/bin/prosody in the foreground, so the pid the caller started *is* the
server: SIGTERM to it stops Prosody, and no helper process is left behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from meetroom.devserver.config import DevServerConfig, write

PROSODY = "prosody"
PROSODYCTL = "prosodyctl"


class DevServerError(RuntimeError):
    pass


def parse_user(text: str) -> tuple[str, str]:
    """`NAME:PASSWORD` → (name, password); the name is lowercased as Prosody stores it."""
    name, sep, password = text.partition(":")
    name = name.strip().lower()
    if not sep or not name or not password:
        raise ValueError(f"'{text}' is not NAME:PASSWORD")
    if any(c in name for c in "@/:\"'<>& \t"):
        raise ValueError(f"'{name}' is not a valid account name")
    return name, password


def _tool(name: str) -> str:
    found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if found is None:
        raise DevServerError(f"{name} is not installed (Debian: apt-get install prosody)")
    return found


def register(cfg: DevServerConfig, name: str, password: str) -> None:
    """Create or update one account through prosodyctl, using the generated configuration."""
    ctl = _tool(PROSODYCTL)
    proc = subprocess.run(
        [ctl, "--config", str(cfg.config_file), "register", name, cfg.domain, password],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        raise DevServerError(f"cannot create account {name}@{cfg.domain}: {(proc.stdout + proc.stderr).strip()}")


def make_certificate(cfg: DevServerConfig) -> None:
    """A self-signed certificate for the domain (kept across restarts), made by prosodyctl."""
    if cfg.certificate.exists():
        return
    proc = subprocess.run(
        [_tool(PROSODYCTL), "--config", str(cfg.config_file), "cert", "generate", cfg.domain],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    if not cfg.certificate.exists():
        raise DevServerError(f"cannot make a certificate for {cfg.domain}: {(proc.stdout + proc.stderr).strip()}")


def prepare(cfg: DevServerConfig) -> list[str]:
    """Write the config, create the accounts; returns the command line that runs the server."""
    prosody = _tool(PROSODY)
    write(cfg)
    if cfg.tls:
        make_certificate(cfg)
    for name, password in cfg.users:
        register(cfg, name, password)
    return [prosody, "--config", str(cfg.config_file.resolve()), "-F"]


def describe(cfg: DevServerConfig) -> list[str]:
    ports = ", ".join(str(p) for p in cfg.c2s_ports)
    lines = [
        f"meetroom dev-server: Prosody for domain {cfg.domain}",
        f"directory: {cfg.directory.resolve()}",
        f"client ports: {cfg.interface} {ports}",
        f"conference service: {cfg.muc_service}",
        f"file upload: {cfg.upload_service} (http://{cfg.interface}:{cfg.http_port}/)",
    ]
    if cfg.tls:
        lines.append(f"TLS required; certificate (give it to rooms as serverCaFile): {cfg.certificate.resolve()}")
    lines += [f"account: {name}@{cfg.domain}" for name, _ in cfg.users]
    return lines


def run(cfg: DevServerConfig) -> int:
    try:
        argv = prepare(cfg)
    except (DevServerError, OSError) as exc:
        print(f"meetroom dev-server: {exc}", file=sys.stderr, flush=True)
        return 2
    for line in describe(cfg):
        print(line, flush=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(cfg.directory)
    os.execv(argv[0], argv)
    return 0  # not reached
