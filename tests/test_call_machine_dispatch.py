"""The call machine's dispatch tables cover every input and every timer the machine starts."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

from meetroom.calls.machine import core
from meetroom.calls.machine import inputs as ev

MACHINE = Path(core.__file__).parent


def test_every_input_type_has_a_handler() -> None:
    assert set(typing.get_args(ev.Input)) == set(core.HANDLERS)


def test_every_timer_started_has_an_expiry() -> None:
    started = set()
    for source in MACHINE.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            is_start = isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "start"
            if is_start and len(node.args) >= 4 and isinstance(node.args[3], ast.Constant):
                started.add(node.args[3].value)
    assert started == {"ring", "nobody-rings", "callee-ring", "initiate", "connect", "media-lost"}
    assert started == set(core.EXPIRIES)
