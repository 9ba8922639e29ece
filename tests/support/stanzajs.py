"""StanzaJS bundled for the browser, built on first use into `.cache/stanzajs/` (git-ignored).

tests/interop/stanzajs/ holds only what we wrote: package.json and package-lock.json (StanzaJS,
esbuild and the `events` polyfill, pinned) and harness.js. `npm ci` installs them into the cache
directory and esbuild bundles harness.js there; nothing installed or built is committed. The
build is redone when any of those three files changes.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE = REPO_ROOT / "tests" / "interop" / "stanzajs"
CACHE = REPO_ROOT / ".cache" / "stanzajs"
INPUTS = ("package.json", "package-lock.json", "harness.js")
INSTALL_TIMEOUT = 300.0


def _stamp() -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        digest.update(name.encode() + b"\0" + (SOURCE / name).read_bytes())
    return digest.hexdigest()


def ensure_bundle() -> Path:
    """The path of the built bundle (an IIFE that defines `window.harness`)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    bundle, stamp_file = CACHE / "bundle.js", CACHE / "stamp"
    with open(CACHE / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = _stamp()
        if bundle.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
            return bundle
        if shutil.which("npm") is None:
            raise RuntimeError("npm is needed to build the StanzaJS harness (apt-get install npm)")
        for name in INPUTS:
            shutil.copyfile(SOURCE / name, CACHE / name)
        run = {"cwd": CACHE, "check": True, "capture_output": True, "text": True, "stdin": subprocess.DEVNULL}
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], timeout=INSTALL_TIMEOUT, **run)  # type: ignore[call-overload]
        esbuild = CACHE / "node_modules" / ".bin" / "esbuild"
        command = [str(esbuild), "harness.js", "--bundle", "--format=iife", "--platform=browser"]
        subprocess.run([*command, "--outfile=bundle.js", "--log-level=warning"], timeout=120, **run)  # type: ignore[call-overload]
        stamp_file.write_text(stamp)
        return bundle
