"""Settings of the built-in HTTP server; some only take effect when it restarts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meetroom.core.errors import DomainError
from meetroom.store.db import Store

NS = "http"
PORT = "httpServerPort"
CONNECTIONS_LIMIT = "httpServerConnectionsLimit"
MAX_POST = "httpServerMaxPostFileSizeInBytes"


class HttpSettingError(DomainError, ValueError):
    """An HTTP server setting that does not exist or a value outside its range."""


@dataclass(frozen=True)
class _Rule:
    default: int
    minimum: int
    maximum: int
    restart_needed: bool


RULES: dict[str, _Rule] = {
    PORT: _Rule(8766, 1, 65535, True),
    CONNECTIONS_LIMIT: _Rule(100, 1, 10000, True),
    MAX_POST: _Rule(64 * 1024 * 1024, 1, 4 * 1024 * 1024 * 1024, False),
}


class HttpSettings:
    def __init__(self, store: Store) -> None:
        self._store = store
        saved = store.items(NS)
        # Pending values from the last run take effect now: the server starts afresh.
        self._values: dict[str, int] = {n: saved.get(n, r.default) for n, r in RULES.items()}
        self._pending: dict[str, int] = {}
        self.port_configured = PORT in saved

    @property
    def port(self) -> int:
        return self._values[PORT]

    @property
    def connections_limit(self) -> int:
        return self._values[CONNECTIONS_LIMIT]

    @property
    def max_post_bytes(self) -> int:
        return self._values[MAX_POST]

    def entry(self, name: str) -> dict[str, Any]:
        rule = RULES[name]
        out: dict[str, Any] = {
            "name": name,
            "value": self._values[name],
            "httpServerRestartNeededForApplying": rule.restart_needed,
            "isPendingToBeApplied": name in self._pending,
        }
        if name in self._pending:
            out["pendingValue"] = self._pending[name]
        return out

    def as_list(self) -> list[dict[str, Any]]:
        return [self.entry(name) for name in RULES]  # httpServerPort first, clients rely on it

    def validate(self, changes: dict[str, Any]) -> dict[str, int]:
        checked = {}
        for name, value in changes.items():
            rule = RULES.get(name)
            if rule is None:
                raise HttpSettingError(f"unknown HTTP server setting '{name}'")
            if isinstance(value, str) and value.strip().isdigit():
                try:
                    value = int(value)
                except ValueError as exc:  # digits int() does not read, such as '²'; the text stays Python's
                    raise HttpSettingError(str(exc)) from None
            if not isinstance(value, int) or isinstance(value, bool):
                raise HttpSettingError(f"'{name}' must be an integer")
            if not rule.minimum <= value <= rule.maximum:
                raise HttpSettingError(f"'{name}' must be between {rule.minimum} and {rule.maximum}")
            checked[name] = value
        return checked

    def change(self, checked: dict[str, int]) -> list[str]:
        """Record validated changes; restart-bound ones wait in pending. Returns changed names."""
        changed = []
        for name, value in checked.items():
            if RULES[name].restart_needed:
                if value == self._values[name]:
                    if self._pending.pop(name, None) is not None:
                        changed.append(name)
                    continue
                self._pending[name] = value
            else:
                if value == self._values[name]:
                    continue
                self._values[name] = value
            changed.append(name)
        if changed:
            self._store.put_many(NS, {n: self._pending.get(n, self._values[n]) for n in changed})
        if PORT in checked:
            self.port_configured = True
        return changed

    def apply_pending(self) -> list[str]:
        names = list(self._pending)
        self._values.update(self._pending)
        self._pending.clear()
        return names

    def set_effective_port(self, port: int) -> None:
        self._values[PORT] = port
