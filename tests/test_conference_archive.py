"""Older conference chat from the room's archive (XEP-0313 on the MUC room, Prosody's mod_muc_mam).

A says 60 things in its conference's chat before B comes in; the room's join history gives B only
the last 50 (the room keeps that many, muc#roomconfig_historylength). B's getChatLastMessages for
a page beyond those reads the older ones from the room's archive, in order, with no message
twice; the archive's message from B itself comes back as B's own (direction 1).
"""

from __future__ import annotations

from tests.support.calls import start_rooms, wait_state
from tests.support.prosody import prosody  # noqa: F401

SAID = 60


async def test_older_messages_come_from_the_rooms_archive(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    reply = await a.client.call("createConference", title="Log", confType="symmetric", autoAccept=True, inviteList=[])
    assert reply["result"] is True, reply
    await a.client.wait_event("conferenceCreated", timeout=10)
    await wait_state(a.client, 5)
    for n in range(SAID):
        assert (await a.client.call("sendGroupMessage", message=f"line {n:02d}"))["result"] is True
        await a.client.wait_event("groupChatMessageSent", timeout=5)

    assert (await a.client.call("inviteToConference", peerId=b.call_id))["result"] is True
    await b.client.wait_event("inviteReceived", timeout=10)
    assert (await b.client.call("accept"))["result"] is True
    await b.client.wait_event("conferenceCreated", timeout=10)
    await wait_state(b.client, 5)
    assert (await b.client.call("sendGroupMessage", message="hello from B"))["result"] is True
    await b.client.wait_event("groupChatMessageSent", timeout=5)

    (chat,) = [e for e in (await b.client.call("getListOfChats"))["list"] if e["group"]]
    newest = await b.client.call("getChatLastMessages", chatId=chat["chatId"], beginNumber=0, count=51)
    expected = [f"line {n:02d}" for n in range(SAID)] + ["hello from B"]
    assert [m["text"] for m in newest["messages"]] == expected[-51:]  # the join history and B's own
    # beyond the join history: the archive's older ones, oldest first
    older = await b.client.call("getChatLastMessages", chatId=chat["chatId"], beginNumber=51, count=10)
    assert older["result"] is True, older
    assert [m["text"] for m in older["messages"]] == expected[:10]
    assert {(m["direction"], m["peerId"]) for m in older["messages"]} == {(0, chat["callId"])}
    everything = await b.client.call("getChatLastMessages", chatId=chat["chatId"], beginNumber=0, count=200)
    assert [m["text"] for m in everything["messages"]] == expected  # each once, in order
    assert [m["direction"] for m in everything["messages"]][-1] == 1
    times = [m["time"] for m in everything["messages"]]
    assert times == sorted(times)
    assert not b.client.pending_events("incomingGroupChatMessage")  # old messages are not news
