"""Command registry: each handler is registered with its name and access rules.

Parameter types and the admin-only flag come from the catalog, so the spec stays the single
source of truth; a handler may widen a parameter's accepted types where real clients differ
from the spec (e.g. numbers sent as strings).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from meetroom.api import catalog
from meetroom.api.envelope import CommandError

if TYPE_CHECKING:
    from meetroom.api.context import CommandContext

HandlerFunc = Callable[["CommandContext", dict[str, Any]], Awaitable[dict[str, Any] | None]]


@dataclass
class Command:
    name: str
    handler: HandlerFunc | None
    admin_only: bool
    pre_auth: bool = False
    params: dict[str, tuple[str, bool]] = field(default_factory=dict)

    @property
    def implemented(self) -> bool:
        return self.handler is not None


_COMMANDS: dict[str, Command] = {}


def command(
    name: str,
    *,
    pre_auth: bool = False,
    admin_only: bool | None = None,
    params: dict[str, tuple[str, bool]] | None = None,
) -> Callable[[HandlerFunc], HandlerFunc]:
    """Register a handler. `params` maps a name to (type, required) and overrides the catalog."""

    def register(func: HandlerFunc) -> HandlerFunc:
        info = catalog.commands().get(name)
        schema = {p.name: (p.type, p.required) for p in info.params} if info else {}
        schema.update(params or {})
        admin = admin_only if admin_only is not None else bool(info and info.admin_only)
        if name in _COMMANDS and _COMMANDS[name].handler is not None:
            raise RuntimeError(f"command {name!r} registered twice")
        _COMMANDS[name] = Command(name, func, admin, pre_auth, schema)
        return func

    return register


def lookup(name: str) -> Command | None:
    found = _COMMANDS.get(name)
    if found is not None:
        return found
    info = catalog.commands().get(name)
    if info is None:
        return None
    return Command(name, None, info.admin_only)


def all_commands() -> list[Command]:
    """Every command of the spec plus meetroom's own, implemented or not."""
    names = set(catalog.commands()) | set(_COMMANDS)
    return [lookup(n) for n in sorted(names)]  # type: ignore[misc]


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
