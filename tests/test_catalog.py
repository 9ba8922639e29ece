"""The bundled catalog matches the team's spec, and the schema check itself works."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meetroom.api import catalog, registry
from meetroom.api.envelope import CommandError

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec"


@pytest.mark.skipif(not (SPEC / "commands.json").exists(), reason="shared/spec is not beside this checkout")
def test_bundled_catalog_is_generated_from_the_spec():
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen", Path(__file__).resolve().parents[1] / "tools/gen_catalog.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    bundled = json.loads((Path(catalog.__file__).parent / "catalog.json").read_text())
    assert gen.build(SPEC) == bundled, "run: python tools/gen_catalog.py"


def test_missing_fields_finds_gaps():
    assert catalog.missing_fields({"method": "event", "event": "myEvent"}) == ["data"]
    assert catalog.missing_fields({"method": "event", "event": "myEvent", "data": "x"}) == []
    assert catalog.missing_fields({"method": "getAppState", "requestId": "", "result": True}) == [
        "appState",
        "extStatus",
        "additionalStatus",
        "embeddedHttpPort",
        "desktopSharing",
        "broadcastPicture",
        "audioCaptureTest",
        "recording",
    ]
    assert catalog.missing_fields({"method": "getAppState", "requestId": "", "result": False}) == ["error"]


def test_every_spec_command_has_a_registry_entry():
    from meetroom.commands import build_registry

    names = {c.name for c in build_registry().all_commands()}
    assert set(catalog.commands()) <= names
    assert len(catalog.commands()) == 247


def test_parameter_validation():
    cmd = registry.Command("x", None, False, params={"a": ("integer", True), "b": ("string|integer", False)})
    registry.validate_params(cmd, {"a": 1})
    registry.validate_params(cmd, {"a": 1, "b": "s"})
    for bad in ({}, {"a": True}, {"a": "1"}, {"a": 1, "b": 1.5}):
        with pytest.raises(CommandError):
            registry.validate_params(cmd, bad)
