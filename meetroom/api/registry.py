"""Command registry: each handler is registered with its name and access rules.

Parameter types and the admin-only flag come from the catalog, so the spec stays the single
source of truth; a handler may widen a parameter's accepted types where real clients differ
from the spec (e.g. numbers sent as strings).

Nothing here is global: a commands module fills its own `CommandTable`, and whoever builds a
room (or lists coverage) joins the tables it wants with the catalog into a `Registry`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from meetroom.api.envelope import CommandError

if TYPE_CHECKING:
    from meetroom.api.catalog import CommandInfo
    from meetroom.api.context import CommandContext

HandlerFunc = Callable[["CommandContext", dict[str, Any]], Awaitable[dict[str, Any] | None]]
ParamSchema = dict[str, tuple[str, bool]]


@dataclass
class Command:
    name: str
    handler: HandlerFunc | None
    admin_only: bool
    pre_auth: bool = False
    params: ParamSchema = field(default_factory=dict)

    @property
    def implemented(self) -> bool:
        return self.handler is not None


@dataclass(frozen=True)
class Registration:
    """A handler as its module declared it, before the catalog fills in the rest."""

    name: str
    handler: HandlerFunc
    pre_auth: bool = False
    admin_only: bool | None = None  # None: as the catalog says
    params: ParamSchema = field(default_factory=dict)  # overrides the catalog's types


class CommandTable:
    """The commands of one area; its `command` decorator only records, it never reaches outside."""

    def __init__(self) -> None:
        self._entries: dict[str, Registration] = {}

    def command(
        self,
        name: str,
        *,
        pre_auth: bool = False,
        admin_only: bool | None = None,
        params: ParamSchema | None = None,
    ) -> Callable[[HandlerFunc], HandlerFunc]:
        """Register a handler. `params` maps a name to (type, required) and overrides the catalog."""

        def register(func: HandlerFunc) -> HandlerFunc:
            if name in self._entries:
                raise RuntimeError(f"command {name!r} registered twice")
            self._entries[name] = Registration(name, func, pre_auth, admin_only, dict(params or {}))
            return func

        return register

    def __iter__(self) -> Iterator[Registration]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)


def _resolve(entry: Registration, info: CommandInfo | None) -> Command:
    schema = {p.name: (p.type, p.required) for p in info.params} if info else {}
    schema.update(entry.params)
    admin = entry.admin_only if entry.admin_only is not None else bool(info and info.admin_only)
    return Command(entry.name, entry.handler, admin, entry.pre_auth, schema)


class Registry:
    """The commands one room answers: its tables' handlers, and every spec command besides.

    A spec command without a handler is still known (so it is refused as not available yet,
    with its access level), which keeps coverage and the refusals read from one place.
    """

    def __init__(self, tables: Iterable[CommandTable], spec: Mapping[str, CommandInfo]) -> None:
        self._spec = spec
        self._commands: dict[str, Command] = {}
        for table in tables:
            for entry in table:
                if entry.name in self._commands:
                    raise RuntimeError(f"command {entry.name!r} registered twice")
                self._commands[entry.name] = _resolve(entry, spec.get(entry.name))

    def lookup(self, name: str) -> Command | None:
        found = self._commands.get(name)
        if found is not None:
            return found
        info = self._spec.get(name)
        if info is None:
            return None
        return Command(name, None, info.admin_only)

    def all_commands(self) -> list[Command]:
        """Every command of the spec plus meetroom's own, implemented or not."""
        names = set(self._spec) | set(self._commands)
        return [self.lookup(n) for n in sorted(names)]  # type: ignore[misc]


_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "array<string>": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "any": lambda v: True,
}


def _accepts(type_spec: str, value: Any) -> bool:
    for alternative in type_spec.split("|"):
        check = _TYPE_CHECKS.get(alternative.strip())
        if check is None or check(value):
            return True
    return False


def validate_params(cmd: Command, message: dict[str, Any]) -> None:
    """Refuse missing or mistyped parameters before the handler sees them."""
    for name, (type_spec, required) in cmd.params.items():
        if name not in message or message[name] is None:
            if required:
                raise CommandError(f"missing required parameter '{name}' ({type_spec})")
            continue
        if not _accepts(type_spec, message[name]):
            got = type(message[name]).__name__
            raise CommandError(f"parameter '{name}' must be {type_spec}, got {got}")
