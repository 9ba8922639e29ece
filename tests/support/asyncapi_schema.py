"""The official AsyncAPI 3.0.0 JSON Schema, from the npm package @asyncapi/specs, cached between runs.

Fetched with `npm pack` (the npm registry through its own client) the first time, then read from
~/.cache/meetroom-tests (MEETROOM_TEST_CACHE overrides). Every definition it refers to is bundled
in the file under its own $id, so validation needs nothing more: the registry built here refuses
to fetch any other reference.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import pytest

SPECS_VERSION = "6.11.1"
MEMBER = "package/schemas/3.0.0.json"


def cache_dir() -> Path:
    return Path(os.environ.get("MEETROOM_TEST_CACHE", Path.home() / ".cache" / "meetroom-tests"))


def asyncapi_3_schema() -> dict[str, Any]:
    cached = cache_dir() / f"asyncapi-specs-{SPECS_VERSION}" / "3.0.0.json"
    if not cached.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed once to fetch @asyncapi/specs (Debian package npm)")
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run(
                [npm, "pack", f"@asyncapi/specs@{SPECS_VERSION}", "--pack-destination", tmp, "--silent"],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stderr
            tarball = next(Path(tmp).glob("*.tgz"))
            with tarfile.open(tarball) as archive:
                source = archive.extractfile(MEMBER)
                assert source is not None
                data = source.read()
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(cached)
    return json.loads(cached.read_text())


def validator() -> Any:
    """A Draft 7 validator of AsyncAPI 3.0.0 documents that never leaves this machine."""
    import jsonschema
    from referencing import Registry
    from referencing.exceptions import NoSuchResource

    def refuse(uri: str) -> Any:
        raise NoSuchResource(ref=uri)

    schema = asyncapi_3_schema()
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, registry=Registry(retrieve=refuse))
