"""Which notifications meetroom's code can send: the catalog's names that appear as string literals in it.

Notifications are published from many places and often through tables or effects
(`fx.Publish("conferenceCreated", ...)`, `MUTE_EVENTS[what]`), so no registry lists them; their
names, however, are always written out somewhere in the code. A name counts as published when a
string constant equal to it appears in meetroom's Python source, except as the name given to
`@command(...)` (a command and a notification may share a name, like `login`). Read once, from
the installed package's own files.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import meetroom
from meetroom.api import catalog


def _command_names(tree: ast.AST) -> set[int]:
    """ids of the constants that name a command in a `@command("...")` decorator."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and deco.args and isinstance(deco.args[0], ast.Constant):
                    ids.add(id(deco.args[0]))
    return ids


def literals_in(source: str) -> set[str]:
    tree = ast.parse(source)
    skip = _command_names(tree)
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
    }


@cache
def published_notifications(package_dir: Path | None = None) -> frozenset[str]:
    root = package_dir or Path(meetroom.__file__).parent
    names = set(catalog.raw()["notifications"])
    found: set[str] = set()
    for path in sorted(root.rglob("*.py")):
        found |= literals_in(path.read_text(encoding="utf-8")) & names
    return frozenset(found)
