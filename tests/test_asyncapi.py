"""The AsyncAPI 3.0 document: generated from the catalog and the registry, valid against the official
schema, served by a real room at /api/asyncapi.json, and kept in docs/asyncapi.json."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from meetroom.api.asyncapi import build_document, document_text
from meetroom.api.coverage import coverage_rows
from meetroom.api.published import literals_in
from meetroom.commands import build_registry
from tests.support.asyncapi_schema import validator
from tests.support.media import get

DOCS = Path(__file__).resolve().parents[1] / "docs" / "asyncapi.json"


@pytest.fixture(scope="module")
def document() -> dict:
    return build_document(build_registry())


def test_document_is_valid_asyncapi_3(document):
    check = validator()
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in check.iter_errors(document)]
    assert errors == []
    broken = copy.deepcopy(document)
    broken["operations"]["call"]["action"] = "respond"  # neither send nor receive
    del broken["info"]["version"]
    assert len(list(check.iter_errors(broken))) >= 2  # the schema really checks


def test_every_command_and_notification_with_fields_access_and_implementedness(document):
    ops = document["operations"]
    rows = coverage_rows(build_registry())
    for name, implemented, admin, _ in rows:
        op = ops[name]
        assert op["action"] == "receive" and op["x-meetroom-implemented"] is implemented
        assert op["x-meetroom-access"] == ("admin" if admin else "admin, user")
    call = ops["call"]
    assert call["x-meetroom-emits"] == ["conferenceCreated", "inviteRequestSent", "inviteSent", "rejectReceived"]
    messages = document["components"]["messages"]
    request = messages["callRequest"]["payload"]
    assert request["required"] == ["method", "peerId"] and set(request["properties"]) >= {"peerId", "pin"}
    reply = messages["getAbookReply"]["payload"]
    assert reply["then"]["required"] == ["abook"]
    assert reply["properties"]["abook"]["items"]["properties"]["peerId"] == {"type": "string"}
    assert (
        ops["setSettings"]["x-meetroom-access"] == "admin, user" and ops["rebootSystem"]["x-meetroom-access"] == "admin"
    )
    notifications = {k: v for k, v in ops.items() if v["action"] == "send"}
    assert len(notifications) == 174
    invite = messages["inviteReceivedNotification"]["payload"]
    assert invite["required"] == ["method", "event", "confId", "peerId", "peerDn", "type"]
    assert notifications["inviteReceivedNotification"]["x-meetroom-implemented"] is True
    assert notifications["appStateChangedNotification"]["x-meetroom-implemented"] is True
    not_sent = [k for k, v in notifications.items() if not v["x-meetroom-implemented"]]
    assert not_sent and len(not_sent) < len(notifications)


def test_message_schemas_accept_real_shapes_and_refuse_wrong_ones(document):
    messages = document["components"]["messages"]
    reply = messages["getAbookReply"]["payload"]
    good = {"method": "getAbook", "requestId": "1", "result": True, "abook": [{"peerId": "a@b", "peerDn": "A"}]}
    jsonschema.validate(good, reply)
    jsonschema.validate({"method": "getAbook", "requestId": "", "result": False, "error": "not logged in"}, reply)
    for bad in (
        {"method": "getAbook", "requestId": "1", "result": True},  # success without the spec's field
        {"method": "getAbook", "requestId": "1", "result": False},  # failure without error
        {**good, "abook": [{"peerId": 5}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, reply)


def test_a_notification_counts_as_sent_only_outside_command_names():
    source = '@command("login")\nasync def h(ctx, msg):\n    pass\n\nbus.publish("logout", {})\n'
    assert literals_in(source) == {"logout"}


async def test_served_by_a_running_room_and_kept_in_docs(room):
    status, body, headers = await get(f"http://127.0.0.1:{room.http_port}/api/asyncapi.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    served = json.loads(body)
    assert served["asyncapi"] == "3.0.0" and served["operations"]["getAppState"]["x-meetroom-implemented"] is True
    variables = served["servers"]["room"]["variables"]
    assert variables == {"host": {"default": "127.0.0.1"}, "port": {"default": str(room.ws_port)}}
    fresh = document_text(build_registry())
    generic = json.loads(fresh)
    assert generic["servers"]["room"]["variables"]["port"]["default"] == "8765"
    del served["servers"], generic["servers"]
    assert served == generic  # the same document, with this room's address
    assert DOCS.read_text() == fresh, "run: meetroom api-coverage --asyncapi docs/asyncapi.json"
