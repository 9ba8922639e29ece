"""Chat and sendCommand between two rooms on one real Prosody, with history kept over restarts."""

from __future__ import annotations

import asyncio

from tests.support.netroom import online
from tests.support.prosody import new_account, prosody  # noqa: F401


async def test_chat_both_ways_and_history_after_restart(prosody, room_factory, connect, tmp_path):  # noqa: F811
    (a_name, a_pw), (b_name, b_pw) = new_account(prosody, "a"), new_account(prosody, "b")
    a_id, b_id = f"{a_name}@localhost", f"{b_name}@localhost"
    room_a, room_b = room_factory(name="a"), room_factory(name="b")
    a, b = await connect(room_a), await connect(room_b)
    await asyncio.gather(online(a, prosody, a_name, a_pw), online(b, prosody, b_name, b_pw))

    assert (await a.call("sendMessage", peerId=b_name, message="hello B"))["result"] is True
    sent = await a.wait_event("chatMessageSent")
    assert sent["peerId"] == b_id and sent["message"] == "hello B"
    got = await b.wait_event("incomingChatMessage")
    assert got["peerId"] == a_id and got["message"] == "hello B"
    assert got["peerDn"] == a_name
    assert abs(got["time"] - int(__import__("time").time())) < 30
    await b.call("sendMessage", peerId=a_id, message="hello A")
    back = await a.wait_event("incomingChatMessage")
    assert back["message"] == "hello A" and back["chatId"] == got["chatId"].__class__(back["chatId"])

    chats = (await a.call("getListOfChats"))["list"]
    assert [(c["callId"], c["group"]) for c in chats] == [(b_id, False)]
    chat_id = chats[0]["chatId"]
    history = (await a.call("getChatLastMessages", chatId=chat_id, beginNumber=0, count=10))["messages"]
    assert [(m["text"], m["direction"], m["peerId"]) for m in history] == [
        ("hello B", 1, a_id),
        ("hello A", 0, b_id),
    ]

    # restart room A: it reconnects and logs in by itself, and the history is still there
    room_a.stop()
    stored = b"".join(f.read_bytes() for f in room_a.data_dir.glob("meetroom.sqlite3*"))
    assert a_name.encode() in stored and a_pw.encode() not in stored  # the password is kept encrypted
    room_a.start()
    a2 = await connect(room_a)
    if (await a2.call("getAppState"))["appState"] != 3:
        await a2.wait_event("appStateChanged", lambda e: e["appState"] == 3, timeout=15)
    assert (await a2.call("getLogin"))["peerId"] == a_id
    history = (await a2.call("getChatLastMessages", id=chat_id, beginNumber=0, count=10))["messages"]
    assert [m["text"] for m in history] == ["hello B", "hello A"]
    # only the newest, skipping none
    last = (await a2.call("getChatLastMessages", chatId=chat_id, beginNumber=0, count=1))["messages"]
    assert [m["text"] for m in last] == ["hello A"]

    await a2.call("chatClear", chatId=chat_id)
    await a2.wait_event("cmdChatClear")
    assert (await a2.call("getChatLastMessages", chatId=chat_id, beginNumber=0, count=10))["messages"] == []


async def test_messages_sent_while_away_come_from_the_archive(prosody, room_factory, connect):  # noqa: F811
    (a_name, a_pw), (b_name, b_pw) = new_account(prosody, "a"), new_account(prosody, "b")
    room_a, room_b = room_factory(name="a"), room_factory(name="b")
    a, b = await connect(room_a), await connect(room_b)
    await asyncio.gather(online(a, prosody, a_name, a_pw), online(b, prosody, b_name, b_pw))
    await a.call("logout")
    await a.wait_event("logout")
    await b.call("sendMessage", peerId=a_name, message="you were away")
    await b.wait_event("chatMessageSent")
    await a.call("login", login=a_name, password=a_pw)
    got = await a.wait_event("incomingChatMessage", timeout=10)
    assert got["message"] == "you were away"
    assert got["peerId"] == f"{b_name}@localhost"


async def test_send_command_reaches_the_other_room(prosody, room_factory, connect):  # noqa: F811
    (a_name, a_pw), (b_name, b_pw) = new_account(prosody, "a"), new_account(prosody, "b")
    room_a, room_b = room_factory(name="a"), room_factory(name="b")
    a, b = await connect(room_a), await connect(room_b)
    b_login = (await asyncio.gather(online(a, prosody, a_name, a_pw), online(b, prosody, b_name, b_pw)))[1]
    assert (await a.call("sendCommand", peerId=b_login["peerId"], command='{"open": "door"}'))["result"] is True
    sent = await a.wait_event("commandSent")
    assert sent["command"] == '{"open": "door"}'
    received = await b.wait_event("commandReceived")
    assert received["command"] == '{"open": "door"}'
    assert received["peerId"].startswith(f"{a_name}@localhost/meetroom-")
    # answering to the InstanceId reaches exactly that room
    await b.call("sendCommand", peerId=received["peerId"], command="ack")
    assert (await a.wait_event("commandReceived"))["command"] == "ack"
    reply = await a.call("sendCommand", peerId="bad id with spaces", command="x")
    assert reply["result"] is False
