"""Regenerate meetroom/api/catalog.json from the team's API spec in ../shared/spec.

The running room cannot depend on shared/ (it is not shipped), so the facts it needs at run
time -- command names, access level, parameter types, reply and notification fields and which
of those are always present -- are distilled into a compact file inside the package.
Run: python tools/gen_catalog.py [SPEC_DIR]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPEC = ROOT.parent / "shared" / "spec"
OUT = ROOT / "meetroom" / "api" / "catalog.json"

# A field whose note says it appears only in some situations is not required in every message.
CONDITIONAL = re.compile(
    r"\bonly (when|while|for|if|after|in|on|with)\b|optional|absent|present only|v\.2 only"
    r"|^\{isPresent|omitted|not in example",
    re.IGNORECASE,
)


# Conditional fields whose note does not say so in the words above.
CONDITIONAL_FIELDS = {
    ("setAuthParams", "newPin"),  # only when authType is "pin"
    ("fileRequestStatusChanged", "peerDisplayName"),  # "same presence rule as peerId" (not for a conference)
}


# Notifications the spec names without a payload, whose fields meetroom defines (docs/conferences.md).
MEETROOM_FIELDS = {
    "smartMeetingModeChanged": [
        {"name": "confId", "type": "string", "note": "the conference whose mode changed"},
        {"name": "smartMeeting", "type": "boolean", "note": "true: the podium follows the voices (VAD)"},
    ],
}


def top_level(name: str) -> bool:
    return "." not in name and "[" not in name


def field_entry(owner: str, field: dict) -> dict:
    note = field.get("note") or ""
    conditional = CONDITIONAL.search(note) or (owner, field["name"]) in CONDITIONAL_FIELDS
    return {"name": field["name"], "type": field["type"], "required": top_level(field["name"]) and not conditional}


def build(spec_dir: Path) -> dict:
    commands = json.loads((spec_dir / "commands.json").read_text())
    notifications = json.loads((spec_dir / "notifications.json").read_text())
    out_commands = {}
    for cmd in sorted(commands, key=lambda c: c["name"]):
        seen: set[str] = set()
        response = []
        for field in cmd["response"]:
            if field["name"] in seen:
                continue
            seen.add(field["name"])
            response.append(field_entry(cmd["name"], field))
        out_commands[cmd["name"]] = {
            "admin_only": bool(cmd["admin_only"]),
            "documented": bool(cmd["documented"]),
            "source": cmd["source"],
            "params": [{"name": p["name"], "type": p["type"], "required": bool(p["required"])} for p in cmd["params"]],
            "response": response,
            "emits": sorted(set(cmd.get("emits") or []) | set(cmd.get("emits_inferred") or [])),
        }
    out_events = {
        ev["name"]: {
            "documented": bool(ev["documented"]),
            "source": ev["source"],
            "fields": [field_entry(ev["name"], f) for f in ev["fields"] or MEETROOM_FIELDS.get(ev["name"], [])],
        }
        for ev in sorted(notifications, key=lambda e: e["name"])
    }
    return {"commands": out_commands, "notifications": out_events}


def main() -> None:
    spec_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SPEC
    OUT.write_text(json.dumps(build(spec_dir), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
