"""Every module of meetroom imports on its own, first, in any order.

An import cycle that works only when some other module happens to be imported first breaks
whoever imports the wrong one first (a script, a test, a new service); import-linter checks
packages, not this order. Each module is imported in a fresh child process forked from a parent
that has loaded only the third-party libraries (so the check stays quick, and a module that
patches a library at import, like calls/loss.py, meets the library unpatched).
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import meetroom

CHECK = r"""
import importlib, json, os, sys, traceback
import aiohttp, aiortc, av, numpy, PIL.Image, slixmpp  # noqa: F401  (warm, and shared by the children)
failures = []
for name in json.loads(sys.argv[1]):
    pid = os.fork()
    if pid == 0:
        try:
            importlib.import_module(name)
        except BaseException:
            sys.stderr.write(name + ": " + traceback.format_exc(limit=1).strip().splitlines()[-1] + "\n")
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        failures.append(name)
print(json.dumps(failures))
"""


def _meetroom_modules() -> list[str]:
    found = pkgutil.walk_packages(meetroom.__path__, "meetroom.")
    return sorted(info.name for info in found if not info.name.endswith(".__main__"))  # that one runs the CLI


def test_every_module_imports_first() -> None:
    names = _meetroom_modules()
    assert "meetroom.calls.call" in names and len(names) > 100
    done = subprocess.run(
        [sys.executable, "-c", CHECK, json.dumps(names)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    failures = json.loads(done.stdout.strip().splitlines()[-1])
    assert failures == [], done.stderr
