"""The control API described for machines: an AsyncAPI 3.0 document generated from the catalog.

One channel, the WebSocket at `/` on the API port. Every command is an operation the room
receives, with its request and reply messages; every notification one the room sends. Payloads
are JSON Schemas built from the catalog's fields (dotted names such as `abook[].peerId` become
nested objects and arrays). meetroom's own facts ride on `x-meetroom-*` extension keys:
`access` (admin, or admin and user), `implemented` (for commands, from the registry the room is
built with; for notifications, whether meetroom's code publishes it: api/published.py) and
`emits` (the notifications a command triggers).

Served at /api/asyncapi.json (meetroom/web/asyncapi.py) and kept in docs/asyncapi.json by a test.
"""

from __future__ import annotations

import json
from typing import Any

from meetroom import __version__
from meetroom.api import catalog
from meetroom.api.published import published_notifications
from meetroom.api.registry import Command, Registry

CHANNEL = "control"
ADMIN, EVERYONE = "admin", "admin, user"


def field_schema(type_spec: str) -> dict[str, Any]:
    """A catalog type ('integer|string', 'array<string>', 'object|null', ...) as a JSON Schema."""
    types = [t.strip() for t in type_spec.split("|") if t.strip()]
    if not types or "any" in types:
        return {}
    if len(types) == 1 and types[0].startswith("array<"):
        return {"type": "array", "items": field_schema(types[0][6:-1])}
    plain = ["array" if t.startswith("array<") else t for t in types]
    return {"type": plain[0] if len(plain) == 1 else plain}


def _node(schema: dict[str, Any], segment: str) -> dict[str, Any]:
    """The schema of `segment` under the object `schema`, created as an object when absent."""
    name, is_list = (segment[:-2], True) if segment.endswith("[]") else (segment, False)
    props = schema.setdefault("properties", {})
    child = props.setdefault(name, {"type": "array" if is_list else "object"})
    if is_list:
        child.setdefault("type", "array")
        return child.setdefault("items", {"type": "object"})
    return child


def object_schema(fields: list[dict[str, Any]], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """An object schema with the catalog's fields: `a.b` nests, `a[].b` is a field of a list's items."""
    schema: dict[str, Any] = {"type": "object", "properties": dict(base or {})}
    for entry in fields:
        *parents, last = entry["name"].split(".")
        parent = schema
        for segment in parents:
            parent = _node(parent, segment)
        name = last[:-2] if last.endswith("[]") else last
        props = parent.setdefault("properties", {})
        own = field_schema(entry["type"])
        if last.endswith("[]"):
            own = {"type": "array", "items": own} if own.get("type") != "array" else own
        existing = props.get(name)
        props[name] = {**own, **{k: v for k, v in (existing or {}).items() if k in ("properties", "items")}}
        if entry.get("required") and name not in parent.setdefault("required", []):
            parent["required"].append(name)
    return schema


def _envelope(method: str) -> dict[str, Any]:
    return {
        "method": {"const": method},
        "requestId": {"type": ["string", "integer"], "description": "echoed in the reply; '' when absent"},
    }


def command_messages(name: str, entry: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    params = entry["params"] if entry else []
    request = object_schema(params, _envelope(name))
    request["required"] = ["method", *request.get("required", [])]
    reply_fields = entry["response"] if entry else []
    reply = object_schema(
        reply_fields,
        {
            **_envelope(name),
            "result": {"type": "boolean"},
            "error": {"type": "string", "description": "why it failed; only when result is false"},
        },
    )
    on_success = [name for name in reply.pop("required", []) if name not in ("method", "requestId", "result")]
    reply["required"] = ["method", "requestId", "result"]
    if on_success:  # the spec's fields describe success; a failure carries `error` instead
        reply["if"] = {"properties": {"result": {"const": True}}}
        reply["then"] = {"required": on_success}
    reply["else"] = {"required": ["error"]}
    return request, reply


def notification_message(name: str, entry: dict[str, Any]) -> dict[str, Any]:
    schema = object_schema(entry["fields"], {"method": {"const": "event"}, "event": {"const": name}})
    schema["required"] = ["method", "event", *schema.get("required", [])]
    return schema


def _registered(command: Command) -> dict[str, Any]:
    """A meetroom extension's request as its registration types it (the spec has no entry for it)."""
    params = [{"name": n, "type": t, "required": r} for n, (t, r) in command.params.items()]
    return {"params": params, "response": []}


def _ref(*parts: str) -> dict[str, str]:
    return {"$ref": "#/" + "/".join(parts)}


def _docs(entry: dict[str, Any] | None) -> dict[str, Any]:
    source = (entry or {}).get("source", "")
    return {"externalDocs": {"url": source}} if source.startswith("http") else {}


def document_text(registry: Registry) -> str:
    """The document as served and as kept in docs/asyncapi.json."""
    return json.dumps(build_document(registry), indent=1, ensure_ascii=False) + "\n"


def build_document(registry: Registry, published: frozenset[str] | None = None) -> dict[str, Any]:
    raw = catalog.raw()
    published = published_notifications() if published is None else published
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    channel_messages: dict[str, Any] = {}

    def add_message(key: str, title: str, payload: dict[str, Any]) -> dict[str, str]:
        messages[key] = {"name": key, "title": title, "payload": payload}
        channel_messages[key] = _ref("components", "messages", key)
        return _ref("channels", CHANNEL, "messages", key)

    for command in registry.all_commands():
        entry = raw["commands"].get(command.name)
        request, reply = command_messages(command.name, entry or _registered(command))
        request_ref = add_message(f"{command.name}Request", f"{command.name} (command)", request)
        reply_ref = add_message(f"{command.name}Reply", f"{command.name} (reply)", reply)
        operations[command.name] = {
            "action": "receive",
            "channel": _ref("channels", CHANNEL),
            "title": command.name,
            "summary": f"Command {command.name}"
            + ("" if command.implemented else " (not implemented by meetroom yet)"),
            "messages": [request_ref],
            "reply": {"channel": _ref("channels", CHANNEL), "messages": [reply_ref]},
            "x-meetroom-access": ADMIN if command.admin_only else EVERYONE,
            "x-meetroom-implemented": command.implemented,
            "x-meetroom-in-spec": entry is not None,
            "x-meetroom-emits": list(entry["emits"]) if entry else [],
            **_docs(entry),
        }
    for name, entry in sorted(raw["notifications"].items()):
        ref = add_message(f"{name}Notification", f"{name} (notification)", notification_message(name, entry))
        operations[f"{name}Notification"] = {
            "action": "send",
            "channel": _ref("channels", CHANNEL),
            "title": name,
            "summary": f"Notification {name}" + ("" if name in published else " (not sent by meetroom yet)"),
            "messages": [ref],
            "x-meetroom-access": EVERYONE,
            "x-meetroom-implemented": name in published,
            **_docs(entry),
        }
    return {
        "asyncapi": "3.0.0",
        "id": "urn:meetroom:control-api",
        "info": {
            "title": "meetroom control API (VideoSDK / Room management API)",
            "version": __version__,
            "description": (
                "JSON commands, replies and notifications over one WebSocket. Send `auth` first (only "
                "`setUsedApiVersion` and `auth` work before it). Replies echo `method` and `requestId` and "
                "carry `result`; failures add `error`. Notifications have method 'event'. The port is "
                "announced in /public/<instance>/config.json on the HTTP port. x-meetroom-access says which "
                "control mode may send a command; x-meetroom-implemented whether meetroom does it yet."
            ),
            "license": {"name": "MIT"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "room": {
                "host": "{host}:{port}",
                "protocol": "ws",
                "pathname": "/",
                "description": "A room's API port (8765 unless busy; see config.json)",
                "variables": {"host": {"default": "127.0.0.1"}, "port": {"default": "8765"}},
            }
        },
        "channels": {
            CHANNEL: {
                "address": "/",
                "title": "Room control",
                "description": "The room's one WebSocket: commands in, replies and notifications out.",
                "messages": channel_messages,
            }
        },
        "operations": operations,
        "components": {"messages": messages},
    }
