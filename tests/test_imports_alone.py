"""Every module of meetroom imports on its own, first, in any order.

An import cycle that works only when some other module happens to be imported first breaks
whoever imports the wrong one first (a script, a test, a new service); import-linter checks
packages, not this order.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import meetroom


def _meetroom_modules() -> list[str]:
    found = pkgutil.walk_packages(meetroom.__path__, "meetroom.")
    return sorted(info.name for info in found if not info.name.endswith(".__main__"))  # that one runs the CLI


def test_every_module_imports_first() -> None:
    names = _meetroom_modules()
    assert "meetroom.calls.call" in names and len(names) > 100
    saved = {k: v for k, v in sys.modules.items() if k == "meetroom" or k.startswith("meetroom.")}
    failures = []
    try:
        for name in names:
            for loaded in [k for k in sys.modules if k == "meetroom" or k.startswith("meetroom.")]:
                del sys.modules[loaded]
            try:
                importlib.import_module(name)
            except ImportError as exc:
                failures.append(f"{name}: {exc}")
    finally:
        for loaded in [k for k in sys.modules if k == "meetroom" or k.startswith("meetroom.")]:
            del sys.modules[loaded]
        sys.modules.update(saved)
    assert failures == []
