"""Remembered server and login, so that a restarted room connects and logs in by itself.

The password is encrypted (Fernet: AES-128-CBC + HMAC) with a key kept in a separate file,
readable only by the owner, next to the database: a copy of the database alone does not reveal
it. The server list and the room's stable instance resource live here too.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from meetroom.store.db import Store

NS = "network"
MAX_SERVERS = 20


class CredentialStore:
    def __init__(self, store: Store, key_path: Path) -> None:
        self._store = store
        self._key_path = key_path

    def _fernet(self) -> Fernet:
        if not self._key_path.exists():
            key = Fernet.generate_key()
            fd = os.open(self._key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(key)
        return Fernet(self._key_path.read_bytes().strip())

    # --- instance resource ------------------------------------------------------------
    def resource(self) -> str:
        """This room's InstanceId resource: made once, the same after every restart."""
        value = self._store.get(NS, "resource")
        if not value:
            value = f"meetroom-{uuid.uuid4().hex[:12]}"
            self._store.put(NS, "resource", value)
        return value

    # --- login ------------------------------------------------------------------------
    def save_login(self, login: str, password: str) -> None:
        token = self._fernet().encrypt(password.encode()).decode()
        self._store.put(NS, "login", {"login": login, "password": token})

    def load_login(self) -> tuple[str, str] | None:
        saved = self._store.get(NS, "login")
        if not saved:
            return None
        try:
            password = self._fernet().decrypt(saved["password"].encode()).decode()
        except (InvalidToken, OSError, ValueError, KeyError):
            return None
        return saved["login"], password

    def forget_login(self) -> None:
        self._store.delete(NS, "login")

    # --- servers ----------------------------------------------------------------------
    def current_server(self) -> dict[str, Any] | None:
        return self._store.get(NS, "server")

    def set_current_server(self, server: str | None, port: int = 0, service: bool = False) -> None:
        if server is None:
            self._store.delete(NS, "server")
            return
        self._store.put(NS, "server", {"server": server, "port": port, "service": service})
        servers = [s for s in self.servers() if (s["server"], s["port"]) != (server, port)]
        servers.insert(0, {"server": server, "port": port, "time": int(time.time())})
        self._store.put(NS, "servers", servers[:MAX_SERVERS])

    def servers(self) -> list[dict[str, Any]]:
        return list(self._store.get(NS, "servers", []))

    def remove_server(self, name: str) -> bool:
        servers = self.servers()
        kept = [s for s in servers if name not in (s["server"], f"{s['server']}:{s['port']}")]
        self._store.put(NS, "servers", kept)
        return len(kept) != len(servers)
