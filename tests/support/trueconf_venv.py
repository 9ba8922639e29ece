"""A private venv holding python-trueconf-room 1.0.0, the public client the room must satisfy.

The library pins websocket-client==0.58 exactly, so it cannot share the project's environment.
The venv lives at `.venv-trueconf/` in the repository root: made on first use, reused afterwards.
Scripts run there from a temporary directory because importing the library writes `videosdk.log`
into the current directory.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_DIR = REPO_ROOT / ".venv-trueconf"
PACKAGE = "python-trueconf-room==1.0.0"
LOCK_FILE = REPO_ROOT / ".cache" / "venv-trueconf.lock"  # .cache/ is git-ignored
SCRIPTS_DIR = REPO_ROOT / "tests" / "interop" / "scripts"
INSTALL_TIMEOUT = 300.0
_checked = False  # this process has already found the venv complete


def venv_python() -> Path:
    return VENV_DIR / "bin" / "python"


def _installed() -> bool:
    """True when the venv can import the library at the pinned version."""
    python = venv_python()
    if not python.exists():
        return False
    probe = "import importlib.metadata as m; print(m.version('python-trueconf-room'))"
    result = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, timeout=60)
    return result.returncode == 0 and result.stdout.strip() == PACKAGE.split("==")[1]


def ensure_venv() -> Path:
    """Create `.venv-trueconf/` with the library when it is missing; return its python.

    A file lock keeps two test processes from building it at the same time.
    """
    global _checked
    if _checked:
        return venv_python()
    LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
    with open(LOCK_FILE, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _installed():
            if not venv_python().exists():
                subprocess.run([sys.executable, "-m", "venv", str(VENV_DIR)], check=True, timeout=INSTALL_TIMEOUT)
            subprocess.run(
                [str(venv_python()), "-m", "pip", "install", "-q", "--disable-pip-version-check", PACKAGE],
                check=True,
                timeout=INSTALL_TIMEOUT,
            )
    _checked = True
    return venv_python()


def run_script(name: str, cwd: Path, *args: str, timeout: float = 60.0, stdin: str | None = None) -> dict[str, Any]:
    """Run tests/interop/scripts/<name> in the venv and return the JSON object it printed last."""
    proc = start_script(name, cwd, *args)
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()  # never leave a client behind
        out, err = proc.communicate()
        raise AssertionError(f"{name} did not finish within {timeout} s:\nstdout:\n{out}\nstderr:\n{err}") from None
    return parse_output(name, proc.returncode, out, err)


def start_script(name: str, cwd: Path, *args: str) -> subprocess.Popen[str]:
    """Start a script without waiting, for scenarios that need two sessions at once."""
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [str(ensure_venv()), str(SCRIPTS_DIR / name), *args],
        cwd=cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def parse_output(name: str, returncode: int | None, out: str, err: str) -> dict[str, Any]:
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if returncode != 0 or not lines:
        raise AssertionError(f"{name} failed (exit {returncode}):\nstdout:\n{out}\nstderr:\n{err}")
    return json.loads(lines[-1])
