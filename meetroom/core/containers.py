"""Named data containers a client keeps in the room (saveData/loadData/...), announced as they change.

A container is a text stored under a name; saving can overwrite it, or put the new text before
or after what is stored. The limits keep one client from filling the room's database.
"""

from __future__ import annotations

from meetroom.core.errors import DomainError
from meetroom.core.events import Events
from meetroom.store.db import Store

NS = "containers"
MAX_NAME = 256
MAX_DATA = 1 << 20
MAX_CONTAINERS = 1000
FLAGS = ("def", "beg", "ate")  # overwrite, prepend, append


class ContainerError(DomainError, ValueError):
    """A container request that breaks a rule or names no container."""


class DataContainers:
    def __init__(self, store: Store, events: Events) -> None:
        self.store = store
        self.events = events

    @staticmethod
    def check_name(name: str) -> str:
        if not name or len(name) > MAX_NAME:
            raise ContainerError(f"containerName must be 1 to {MAX_NAME} characters")
        return name

    def save(self, name: str, data: str, flag: str) -> None:
        """saveData: store (or prepend/append to) a container and announce its new content."""
        self.check_name(name)
        if flag not in FLAGS:
            raise ContainerError("flags must be 'def' (overwrite), 'beg' (prepend) or 'ate' (append)")
        existing = self.store.get(NS, name)
        if existing is None and self.store.count(NS) >= MAX_CONTAINERS:
            raise ContainerError(f"at most {MAX_CONTAINERS} containers can be saved")
        if flag == "beg" and existing is not None:
            data = data + existing
        elif flag == "ate" and existing is not None:
            data = existing + data
        if len(data) > MAX_DATA:
            raise ContainerError(f"a container holds at most {MAX_DATA} characters")
        self.store.put(NS, name, data)
        self.events.publish("dataSaved", {"containerName": name, "data": data, "flag": flag})

    def load(self, name: str) -> str:
        self.check_name(name)
        data = self.store.get(NS, name)
        if data is None:
            raise ContainerError(f"no container named '{name}'")
        return data

    def delete(self, name: str) -> None:
        self.check_name(name)
        if not self.store.delete(NS, name):
            raise ContainerError(f"no container named '{name}'")
        self.events.publish("dataDeleted", {"containerName": name})

    def names(self) -> list[str]:
        return list(self.store.items(NS))
