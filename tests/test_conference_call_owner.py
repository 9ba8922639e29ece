"""Calling the owner of a conference asks to join it; a joiner reads the room's chat history.

A owns a members-only conference and has said something in its chat; B calls A's CallId. As the
`call` doc page has it, A gets a participation request instead of a call (requestInviteReceived,
the waiting room) and B waits for the answer (inviteRequestSent, appState 4, never busy). A admits
B, B joins, and B's getChatLastMessages shows A's message from before B came (the MUC history).
"""

from __future__ import annotations

from tests.support.calls import join_request_waits, start_rooms, wait_state
from tests.support.prosody import prosody  # noqa: F401


async def test_calling_the_owner_asks_to_join_and_history_is_read(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    reply = await a.client.call(
        "createConference", title="Board", confType="symmetric", autoAccept=False, inviteList=[]
    )
    assert reply["result"] is True, reply
    created = await a.client.wait_event("conferenceCreated", timeout=10)
    await wait_state(a.client, 5)
    assert (await a.client.call("sendGroupMessage", message="agenda: budget"))["result"] is True
    await a.client.wait_event("groupChatMessageSent", timeout=5)

    assert (await b.client.call("call", peerId=a.call_id))["result"] is True
    asked = await join_request_waits(a, b, a.call_id, created["confId"])
    assert not a.client.pending_events("inviteReceived")

    assert (await a.client.call("acceptPeer", peerId=asked))["result"] is True
    joined = await b.client.wait_event("conferenceCreated", timeout=10)
    assert joined["confId"] == created["confId"] and joined["confTitle"] == "Board"
    await wait_state(b.client, 5)
    assert (await a.client.wait_event("peerAccepted", timeout=10))["peerId"] == asked
    assert not b.client.pending_events("rejectReceived")

    # the message from before B joined came with the room's history: stored, not announced
    chats = [e for e in (await b.client.call("getListOfChats"))["list"] if e["group"]]
    assert [e["title"] for e in chats] == ["Board"], chats
    history = await b.client.call("getChatLastMessages", chatId=chats[0]["chatId"], beginNumber=0, count=10)
    assert [(m["text"], m["direction"]) for m in history["messages"]] == [("agenda: budget", 0)], history
    assert not b.client.pending_events("incomingGroupChatMessage")
