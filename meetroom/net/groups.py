"""Address-book groups: roster groups with stable numeric ids, plus groups with no members yet.

XMPP roster groups exist only through their members, while the API numbers groups and lets
an empty group be created. The ids and the names of empty groups are kept per account in the
instance's database; membership itself always lives in the server roster.
"""

from __future__ import annotations

from typing import Any

from meetroom.store.db import Store

NS = "abook.groups"


class GroupBook:
    def __init__(self, store: Store) -> None:
        self._store = store

    def _load(self, account: str) -> dict[str, Any]:
        return self._store.get(NS, account, {"next": 1, "ids": {}, "extra": []})

    def _save(self, account: str, data: dict[str, Any]) -> None:
        self._store.put(NS, account, data)

    def group_id(self, account: str, name: str) -> int:
        """The id of a group name, allocated on first sight."""
        data = self._load(account)
        if name not in data["ids"]:
            data["ids"][name] = data["next"]
            data["next"] += 1
            self._save(account, data)
        return data["ids"][name]

    def names(self, account: str, roster_groups: set[str]) -> list[str]:
        data = self._load(account)
        return sorted(set(data["extra"]) | roster_groups)

    def name_of(self, account: str, group_id: int, roster_groups: set[str]) -> str | None:
        for name in self.names(account, roster_groups):
            if self.group_id(account, name) == group_id:
                return name
        return None

    def add_empty(self, account: str, name: str) -> int:
        data = self._load(account)
        if name not in data["extra"]:
            data["extra"].append(name)
        self._save(account, data)
        return self.group_id(account, name)

    def forget(self, account: str, name: str) -> None:
        data = self._load(account)
        data["extra"] = [n for n in data["extra"] if n != name]
        data["ids"].pop(name, None)
        self._save(account, data)

    def rename(self, account: str, old: str, new: str) -> None:
        """Move the id (and empty-group entry) from `old` to `new`."""
        data = self._load(account)
        gid = data["ids"].pop(old, None)
        if gid is not None:
            data["ids"][new] = gid
        data["extra"] = [new if n == old else n for n in data["extra"]]
        self._save(account, data)
