async def test_room_answers_get_app_state(room, connect):
    client = await connect(room)
    reply = await client.call("getAppState")
    assert reply["result"] is True
    assert reply["appState"] == 0
    assert reply["embeddedHttpPort"] == room.http_port
