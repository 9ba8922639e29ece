"""A Room built in-process answers its commands and serves its routes: no import side effects.

Also the registry's seams: tables joined with the catalog, the one DomainError mapping and the
screen's grant, all exercised in-process without a room subprocess.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from meetroom.api import catalog
from meetroom.api.dispatcher import Grant
from meetroom.api.registry import CommandTable, Registry
from meetroom.core.errors import DomainError
from meetroom.web.screen import SCREEN_GRANT
from tests.support.inprocess import build_room, request


async def test_room_built_in_process_has_its_commands_and_routes(tmp_path, session):
    room = build_room(tmp_path)
    try:
        assert room.registry.lookup("getAppState").implemented
        paths = {route.resource.canonical for route in room.http.build_app().router.routes()}
        assert {"/public/{name}/config.json", "/", "/screen", "/screen/ws"} <= paths
        assert {"/frames/", "/files/", "/slides/{file_id}", "/static/{path}"} <= paths
        assert (await room.dispatcher.dispatch(session, request("auth", type="unsecured")))["result"] is True
        reply = await room.dispatcher.dispatch(session, request("getAppState"))
        assert reply["method"] == "getAppState" and reply["requestId"] == 7 and reply["result"] is True
        missing = next(c.name for c in room.registry.all_commands() if not c.implemented and not c.admin_only)
        reply = await room.dispatcher.dispatch(session, request(missing))
        assert reply == {
            "method": missing,
            "requestId": 7,
            "result": False,
            "error": f"'{missing}' is not available in meetroom yet",
        }
    finally:
        room.store.close()


async def test_a_room_answers_only_the_commands_it_was_built_with(tmp_path, session):
    table = CommandTable()

    @table.command("setUsedApiVersion", pre_auth=True)
    async def refuse(ctx: Any, msg: dict[str, Any]) -> None:
        raise DomainError("refused by the domain", resultCode=9)

    room = build_room(tmp_path, registry=Registry([table], catalog.commands()), routes=())
    try:
        # A DomainError from anywhere below the handler becomes result:false, extra fields kept.
        reply = await room.dispatcher.dispatch(session, request("setUsedApiVersion", version="1"))
        assert reply == {
            "method": "setUsedApiVersion",
            "requestId": 7,
            "result": False,
            "resultCode": 9,
            "error": "refused by the domain",
        }
        # Without its auth handler this room has nothing that may run before auth.
        reply = await room.dispatcher.dispatch(session, request("auth", type="unsecured"))
        assert reply["error"] == "not authorised: send 'auth' first"
        paths = {route.resource.canonical for route in room.http.build_app().router.routes()}
        assert paths == {"/public/{name}/config.json"}
    finally:
        room.store.close()


async def test_screen_grant_runs_its_commands_without_any_role(tmp_path, session):
    room = build_room(tmp_path)
    try:
        assert session.role is None
        # getLogo is admin-only for clients; the screen runs it as the room itself.
        assert (await room.dispatcher.dispatch(session, request("getLogo"), SCREEN_GRANT))["result"] is True
        reply = await room.dispatcher.dispatch(session, request("setSettings", settings={}), SCREEN_GRANT)
        assert reply["error"] == "the main screen may not use 'setSettings'"
        assert session.role is None
        # Without the grant the same session is refused like any client that has not authorised.
        reply = await room.dispatcher.dispatch(session, request("getLogo"))
        assert reply["error"] == "not authorised: send 'auth' first"
        narrow = Grant("a test channel", frozenset({"getAppState"}))
        reply = await room.dispatcher.dispatch(session, request("getLogo"), narrow)
        assert reply["error"] == "a test channel may not use 'getLogo'"
    finally:
        room.store.close()


def test_registry_joins_tables_with_the_catalog():
    first, second = CommandTable(), CommandTable()

    async def handler(ctx: Any, msg: dict[str, Any]) -> None:
        return None

    first.command("getLogo")(handler)
    first.command("meetroomOwnCommand", params={"x": ("integer", True)})(handler)
    second.command("getAppState", params={"extra": ("string", False)})(handler)
    registry = Registry([first, second], catalog.commands())
    assert registry.lookup("getLogo").admin_only is True  # from the catalog
    assert registry.lookup("meetroomOwnCommand").params == {"x": ("integer", True)}
    assert registry.lookup("getAppState").params["extra"] == ("string", False)
    assert registry.lookup("nothingOfTheSort") is None
    names = [c.name for c in registry.all_commands()]
    assert set(catalog.commands()) | {"meetroomOwnCommand"} == set(names)
    assert sum(c.implemented for c in registry.all_commands()) == 3
    with pytest.raises(RuntimeError, match="registered twice"):
        first.command("getLogo")(handler)
    third = CommandTable()
    third.command("getLogo")(handler)
    with pytest.raises(RuntimeError, match="registered twice"):
        Registry([first, third], catalog.commands())


async def test_domain_errors_of_services_answer_with_their_own_text(tmp_path, session):
    """Settings, HTTP settings and the network raise DomainErrors; the dispatcher alone replies."""
    room = build_room(tmp_path)
    try:
        assert (await room.dispatcher.dispatch(session, request("auth", type="unsecured")))["previleges"] == 2
        cases = [
            (request("setSettings", settings={"nope": 1}), "unknown setting 'nope'"),
            (request("setSettings", settings={"showTime": 1}), "setting 'showTime' must be bool"),
            (request("setHttpServerSettings", settings={"nope": 1}), "unknown HTTP server setting 'nope'"),
            (
                request("setHttpServerSettings", settings={"httpServerPort": "²"}),
                "invalid literal for int() with base 10: '²'",
            ),
            (request("searchContact", searchString="x"), "not logged in: send login first"),
        ]
        for text, error in cases:
            reply = await room.dispatcher.dispatch(session, text)
            assert reply == {"method": json.loads(text)["method"], "requestId": 7, "result": False, "error": error}
    finally:
        room.store.close()
