"""Group conferences end to end: three rooms on the dev server, a MUC room, a Jingle mesh.

The owner creates a conference and invites two rooms; both accept; every room lists the other
two, and its /frames/ shows each other participant's own, moving test pattern; group chat goes
round (a slixmpp XEP-0045 client in the test process takes part in it); kick and hangUp forAll.
"""

from __future__ import annotations

import asyncio
import json
import re
from urllib.parse import quote

import numpy as np

from tests.support.calls import connected_call, remote_frame, start_rooms, wait_state
from tests.support.media import difference, get, self_frame
from tests.support.prosody import new_account, prosody  # noqa: F401
from tests.support.trueconf_venv import ensure_venv, run_script

CONF_ID = re.compile(r"^[0-9a-f]{24}@localhost#vcs$")


async def _conference(a, b, c, *, conf_type: str = "symmetric"):
    """A creates a conference inviting B and C; both accept. Returns (confId, {room: InstanceId})."""
    reply = await a.client.call(
        "createConference", title="Weekly sync", confType=conf_type, autoAccept=True, inviteList=[b.name, c.call_id]
    )
    assert reply["result"] is True, reply
    created = await a.client.wait_event("conferenceCreated", timeout=10)
    conf_id = created["confId"]
    assert CONF_ID.match(conf_id) and created["confTitle"] == "Weekly sync"
    await wait_state(a.client, 5)
    sent = [await a.client.wait_event("inviteSent", timeout=5) for _ in range(2)]
    assert {s["peerId"] for s in sent} == {b.call_id, c.call_id} and {s["confId"] for s in sent} == {conf_id}
    for room in (b, c):
        invite = await room.client.wait_event("inviteReceived", timeout=10)
        assert (invite["confId"], invite["confTitle"], invite["peerId"]) == (conf_id, "Weekly sync", a.call_id)
        await wait_state(room.client, 4)
    for room in (b, c):
        assert (await room.client.call("accept"))["result"] is True
    for room in (b, c):
        joined = await room.client.wait_event("conferenceCreated", timeout=10)
        assert joined["confId"] == conf_id and joined["conferenceOwner"] == created["conferenceOwner"]
        await wait_state(room.client, 5)
    fulls = {a.name: created["conferenceOwner"]}
    for _ in range(2):
        accepted = await a.client.wait_event("peerAccepted", timeout=10)
        fulls[accepted["peerId"].partition("@")[0]] = accepted["peerId"]
    return conf_id, created, fulls


async def _participants(room, expected: set[str], timeout: float = 10.0) -> list[dict]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        listed = (await room.client.call("getConferenceParticipants"))["participants"]
        if {p["peerId"] for p in listed} == expected or asyncio.get_running_loop().time() > deadline:
            return listed
        await asyncio.sleep(0.1)


async def test_three_rooms_conference_media_chat_kick_and_end(prosody, room_factory, connect):  # noqa: F811
    a, b, c = await start_rooms(prosody, room_factory, connect, 3)
    for room, name in ((a, "Alpha room"), (b, "Bravo room"), (c, "Charlie room")):
        assert (await room.client.call("setSettings", settings={"displayName": name}))["result"] is True

    # refusals first: they change nothing
    bad = await a.client.call("createConference", title="x", confType="mesh", autoAccept=True, inviteList=[])
    assert bad["result"] is False and "confType" in bad["error"]
    assert (await a.client.call("kickPeer", peerId=b.call_id))["result"] is False
    assert (await a.client.call("sendGroupMessage", message="hi"))["result"] is False
    assert (await a.client.call("getAppState"))["appState"] == 3

    conf_id, created, fulls = await _conference(a, b, c)
    everyone = set(fulls.values())
    for name in ("isSmartMeeting", "joinUrl", "isWaitingRoomEnabled", "maxParticipants", "pinned", "peerId"):
        assert name in created
    assert created["confType"] == 1 and created["conferenceOwner"].startswith(a.call_id + "/")

    # every room lists all three, itself included, with the documented fields
    for room in (a, b, c):
        listed = await _participants(room, everyone)
        assert {p["peerId"] for p in listed} == everyone
        for p in listed:
            for name in ("peerDn", "mic", "video", "slideShow", "leaderType", "role", "broadcast", "isInWaitingRoom"):
                assert name in p
        owner = next(p for p in listed if p["peerId"] == fulls[a.name])
        assert owner["leaderType"] == 2
        conf = await room.client.call("getConferences")
        assert conf["confId"] == conf_id and conf["confTitle"] == "Weekly sync" and conf["confState"] == 1
    matrix = (await c.client.call("getVideoMatrix"))["participants"]
    assert {p["peerId"] for p in matrix} >= {"#self:0", fulls[a.name], fulls[b.name]}
    # a room in a conference is busy to calls
    assert (await b.client.call("call", peerId=a.call_id))["result"] is False

    # each room's /frames/ shows every other participant's own test pattern, and it moves
    for room in (a, b, c):
        for other in (a, b, c):
            if other is room:
                continue
            first, seq1 = await remote_frame(room, fulls[other.name], timeout=15)
            own = await self_frame(other.proc.http_port, other.client.http_token)
            # the same picture; the governor may still send it at half size while its estimate is low
            assert abs(first.shape[1] / first.shape[0] - own.shape[1] / own.shape[0]) < 0.05
            assert difference(first, own) < 30
    for room, other in ((a, c), (c, b)):
        first, seq1 = await remote_frame(room, fulls[other.name])
        await asyncio.sleep(0.5)
        later, seq2 = await remote_frame(room, fulls[other.name])
        assert seq2 > seq1 and not np.array_equal(first, later)

    # group chat: the sender's echo, the others' incoming message
    assert (await b.client.call("sendGroupMessage", message="hello all"))["result"] is True
    assert (await b.client.wait_event("groupChatMessageSent", timeout=5))["message"] == "hello all"
    for room in (a, c):
        msg = await room.client.wait_event("incomingGroupChatMessage", timeout=5)
        assert (msg["peerId"], msg["message"], msg["confId"]) == (fulls[b.name], "hello all", conf_id)
    # the conference chat is kept where the chats are: getListOfChats, getChatLastMessages
    chats = [e for e in (await c.client.call("getListOfChats"))["list"] if e["group"]]
    assert [(e["chatId"], e["title"]) for e in chats] == [(msg["chatId"], "Weekly sync")]
    history = await c.client.call("getChatLastMessages", chatId=msg["chatId"], beginNumber=0, count=10)
    assert [m["text"] for m in history["messages"]] == ["hello all"]
    sent_history = await b.client.call("getChatLastMessages", chatId=msg["chatId"], beginNumber=0, count=10)
    assert [(m["text"], m["direction"]) for m in sent_history["messages"]] == [("hello all", 1)]

    # B raises its hand: every room hears it, B included; A pins B on its own screen
    assert (await b.client.call("setReaction", reaction=1))["result"] is True
    for room in (a, b, c):
        changed = await room.client.wait_event("reactionsChanged", timeout=5)
        assert changed["confId"] == conf_id and changed["reactions"] == [{"callId": fulls[b.name], "reaction": 1}]
    assert (await a.client.call("setReaction", reaction=9))["result"] is False
    assert (await a.client.call("pinUser", peerId=fulls[b.name], isPinNeeded=True))["result"] is True
    assert (await a.client.wait_event("userPinEventOccurred", timeout=5))["eventCode"] == 0
    listed = {p["peerId"]: p for p in (await a.client.call("getConferenceParticipants"))["participants"]}
    assert listed[fulls[b.name]]["pinned"] is True and listed[fulls[b.name]]["reaction"] == 1

    # the owner turns B's microphone off: B is told and muted, C sees B's mic muted
    assert (await c.client.call("turnRemoteMic", peerId=fulls[b.name], on=False))["result"] is False  # not owner
    assert (await a.client.call("turnRemoteMic", peerId=fulls[b.name], on=False))["result"] is True
    changed = await b.client.wait_event("micStateChangedByConferenceOwner", timeout=5)
    assert (changed["mute"], changed["confId"]) == (True, conf_id)
    assert (await b.client.call("getMicMute"))["mute"] is True
    status = await c.client.wait_event("deviceStatusReceived", lambda e: e["peerId"] == fulls[b.name], timeout=5)
    assert (status["mic"], status["video"], status["confId"]) == (1, 2, conf_id)
    listed = await c.client.call("getConferenceParticipants")
    assert next(p for p in listed["participants"] if p["peerId"] == fulls[b.name])["mic"] == 1

    # only the owner may kick, with an InstanceId of a participant
    assert (await b.client.call("kickPeer", peerId=fulls[c.name]))["result"] is False
    assert (await a.client.call("kickPeer", peerId=c.call_id))["result"] is False  # a CallId
    assert (await a.client.call("kickPeer", peerId=c.call_id + "/nobody"))["result"] is False
    assert (await a.client.call("setModeratorRole", peerId=fulls[b.name], moderator=True))["result"] is True
    role = await b.client.wait_event("roleEventOccured", lambda e: e["peerId"] == fulls[b.name], timeout=5)
    assert role["confId"] == conf_id
    assert (await a.client.call("kickPeer", peerId=fulls[c.name]))["result"] is True
    await c.client.wait_event("conferenceDeleted", timeout=5)
    await wait_state(c.client, 3)
    for room in (a, b):
        left = await room.client.wait_event("participantLeftConference", timeout=5)
        assert left["peerId"] == fulls[c.name]
    assert {p["peerId"] for p in await _participants(a, everyone - {fulls[c.name]})} == everyone - {fulls[c.name]}

    # a non-owner cannot end it for all... the owner can
    assert (await a.client.call("hangUp", forAll=True))["result"] is True
    for room in (a, b):
        await room.client.wait_event("appStateChanged", lambda e: e["appState"] == 6, timeout=5)
        assert (await room.client.wait_event("conferenceDeleted", timeout=5))["confId"] == conf_id
        await wait_state(room.client, 3)


class MucClient:
    """A third-party XMPP client: slixmpp with its own XEP-0045 and XEP-0249 plugins, nothing of meetroom."""

    def __init__(self, jid: str, password: str) -> None:
        from slixmpp import ClientXMPP

        client = ClientXMPP(f"{jid}/dino", password)
        client.enable_starttls = client.enable_direct_tls = False
        client.enable_plaintext = True
        client.plugin["feature_mechanisms"].unencrypted_plain = True
        for plugin in ("xep_0030", "xep_0045", "xep_0249"):
            client.register_plugin(plugin)
        self.client = client
        self.invites: asyncio.Queue = asyncio.Queue()
        self.messages: asyncio.Queue = asyncio.Queue()
        self.presences: asyncio.Queue = asyncio.Queue()
        client.add_event_handler("groupchat_direct_invite", self.invites.put_nowait)
        client.add_event_handler("groupchat_message", self.messages.put_nowait)
        client.add_event_handler("groupchat_presence", self.presences.put_nowait)

    async def start(self, port: int) -> None:
        started = asyncio.Event()
        self.client.add_event_handler("session_start", lambda _e: started.set())
        self.client.connect(host="127.0.0.1", port=port)
        await asyncio.wait_for(started.wait(), 10)
        self.client.send_presence()

    @property
    def full(self) -> str:
        return str(self.client.boundjid)

    async def stop(self) -> None:
        await self.client.disconnect(wait=1.0)


async def test_podium_only_speakers_send(prosody, room_factory, connect):  # noqa: F811
    a, b, c = await start_rooms(prosody, room_factory, connect, 3)
    conf_id, _created, fulls = await _conference(a, b, c, conf_type="role")
    # joiners are listeners (an open moderated room gives them no voice): the owner's picture
    # reaches them, theirs reaches nobody
    listed = {p["peerId"]: p for p in await _participants(a, set(fulls.values()))}
    assert listed[fulls[a.name]]["broadcast"] is True and listed[fulls[a.name]]["role"] == 2
    assert [listed[fulls[r.name]]["broadcast"] for r in (b, c)] == [False, False]
    assert [listed[fulls[r.name]]["role"] for r in (b, c)] == [1, 1]
    for room in (b, c):
        picture, _ = await remote_frame(room, fulls[a.name], timeout=15)
        assert picture.std() > 20
    await asyncio.sleep(1.5)
    for viewer, speaker in ((a, b), (c, b), (a, c)):
        status, _body = await _frame_status(viewer, fulls[speaker.name])
        assert status == 404, (viewer.name, speaker.name)
    assert (await b.client.call("leavePodium"))["result"] is False  # not on it

    # the owner invites B to the podium; B accepts; B's picture appears at A and C
    assert (await a.client.call("inviteToPodium", peerId=fulls[b.name]))["result"] is True
    asked = await b.client.wait_event("roleEventOccured", lambda e: e["role"] == 4, timeout=5)
    assert asked["peerId"] == fulls[b.name]
    assert (await b.client.call("acceptInvitationToPodium"))["result"] is True
    removed = await b.client.wait_event("incomingPodiumInvitationRemoved", timeout=5)
    assert (removed["confId"], removed["reason"]) == (conf_id, 0)
    on = await c.client.wait_event(
        "roleEventOccured", lambda e: e["peerId"] == fulls[b.name] and e["broadcast"] is True, timeout=5
    )
    assert on["confId"] == conf_id
    for viewer in (a, c):
        picture, _ = await remote_frame(viewer, fulls[b.name], timeout=15)
        assert picture.std() > 20

    # C asks for the podium; the owner refuses; then B is taken off it
    assert (await c.client.call("gotoPodium"))["result"] is True
    request = await a.client.wait_event("roleEventOccured", lambda e: e["role"] == 3, timeout=5)
    assert request["peerId"] == fulls[c.name]
    assert (await a.client.call("rejectRequestToPodium", peerId=fulls[c.name]))["result"] is True
    answered = await a.client.wait_event("incomingRequestToPodiumAnswered", timeout=5)
    assert (answered["peerId"], answered["allow"]) == (fulls[c.name], False)
    refused = await c.client.wait_event("roleEventOccured", lambda e: e["type"] == 1, timeout=5)
    assert refused["result"] == 3
    assert (await a.client.call("kickFromPodium", peerId=fulls[b.name]))["result"] is True
    await c.client.wait_event(
        "roleEventOccured", lambda e: e["peerId"] == fulls[b.name] and e["broadcast"] is False, timeout=5
    )
    assert (await a.client.call("hangUp", forAll=True))["result"] is True
    for room in (a, b, c):
        await room.client.wait_event("conferenceDeleted", timeout=5)


async def _frame_status(room, peer: str) -> tuple[int, bytes]:
    url = f"http://127.0.0.1:{room.proc.http_port}/frames/?peerId={quote(peer)}&token={quote(room.client.http_token)}"
    status, body, _headers = await get(url)
    return status, body


async def test_reject_limit_third_party_client_and_owner_hand_over(prosody, room_factory, connect):  # noqa: F811
    a, b, c = await start_rooms(prosody, room_factory, connect, 3)
    zed_name, zed_password = new_account(prosody, "z")
    zed = MucClient(f"{zed_name}@localhost", zed_password)
    await zed.start(prosody.port)
    try:
        assert (await a.client.call("setSettings", settings={"conferenceMeshSize": 3}))["result"] is True
        too_many = await a.client.call(
            "createConference", title="Big", confType="role", autoAccept=False, inviteList=[b.name, c.name, "x"]
        )
        assert too_many["result"] is False and "full" in too_many["error"]

        reply = await a.client.call(
            "createConference", title="Lecture", confType="asymmetric", autoAccept=False, inviteList=[b.name, c.name]
        )
        assert reply["result"] is True
        created = await a.client.wait_event("conferenceCreated", timeout=10)
        conf_id, a_full = created["confId"], created["conferenceOwner"]
        assert created["confType"] == 2
        for room in (b, c):
            invite = await room.client.wait_event("inviteReceived", timeout=10)
            assert invite["type"] == 2 and invite["confTitle"] == "Lecture"

        # C declines: the owner hears it with cause 0, C is idle again
        assert (await c.client.call("reject"))["result"] is True
        assert (await c.client.wait_event("rejectSent"))["cause"] == 0
        declined = await a.client.wait_event("rejectReceived", timeout=5)
        assert (declined["peerId"], declined["cause"]) == (c.call_id, 0)
        await wait_state(c.client, 3)
        assert (await b.client.call("accept"))["result"] is True
        b_full = (await a.client.wait_event("peerAccepted", timeout=10))["peerId"]
        await wait_state(b.client, 5)

        # the third-party client gets a standard direct invitation and joins the members-only room
        assert (await a.client.call("inviteToConference", peerId=f"{zed_name}@localhost"))["result"] is True
        invitation = await asyncio.wait_for(zed.invites.get(), 10)
        room_jid = str(invitation["groupchat_invite"]["jid"])
        assert room_jid == conf_id.partition("@")[0] + "@conference.localhost"
        await zed.client.plugin["xep_0045"].join_muc_wait(room_jid, "Zed", maxstanzas=0, timeout=10)
        for room in (a, b):
            joined = await room.client.wait_event(
                "newParticipantInConference", lambda e: e["peerId"] == zed.full, timeout=10
            )
            assert joined["confId"] == conf_id
        assert (await a.client.wait_event("peerAccepted", timeout=5))["peerId"] == zed.full
        # three of three: the mesh is full
        full = await a.client.call("inviteToConference", peerId=c.call_id)
        assert full["result"] is False and "full" in full["error"]

        # group chat between the rooms and the third-party client
        zed.client.send_message(mto=room_jid, mbody="hi from zed", mtype="groupchat")
        for room in (a, b):
            msg = await room.client.wait_event("incomingGroupChatMessage", timeout=5)
            assert (msg["peerId"], msg["message"], msg["confId"]) == (zed.full, "hi from zed", conf_id)
        assert (await b.client.call("sendGroupMessage", message="hi zed"))["result"] is True
        while True:
            heard = await asyncio.wait_for(zed.messages.get(), 5)
            if heard["body"] == "hi zed":
                break
        assert (await b.client.wait_event("groupChatMessageSent", timeout=5))["message"] == "hi zed"

        # the owner leaves without ending it: B (longest present) becomes owner and can end it
        assert (await b.client.call("hangUp", forAll=True))["result"] is False  # not yet owner
        assert (await a.client.call("hangUp"))["result"] is True
        await a.client.wait_event("conferenceDeleted", timeout=5)
        await wait_state(a.client, 3)
        assert (await b.client.wait_event("participantLeftConference", timeout=5))["peerId"] == a_full
        promoted = await b.client.wait_event("roleEventOccured", lambda e: e["peerId"] == b_full, timeout=5)
        assert promoted["role"] == 2
        conf = await b.client.call("getConferences")
        assert conf["conferenceOwner"] == b_full
        assert (await b.client.call("kickPeer", peerId=zed.full))["result"] is True
        assert (await b.client.wait_event("participantLeftConference", timeout=5))["peerId"] == zed.full
        assert (await b.client.call("hangUp", forAll=True))["result"] is True
        await b.client.wait_event("conferenceDeleted", timeout=5)
        await wait_state(b.client, 3)
        assert (await b.client.call("getConferenceParticipants"))["result"] is False
    finally:
        await zed.stop()


async def test_call_with_a_conference_id_waiting_room_accept_and_reject_peer(prosody, room_factory, connect):  # noqa: F811
    a, b, c = await start_rooms(prosody, room_factory, connect, 3)
    missing = await b.client.call("call", peerId="0123456789abcdef01234567@localhost#vcs")
    assert missing["result"] is True
    assert (await b.client.wait_event("rejectReceived", timeout=5))["cause"] == 19
    assert (await b.client.call("call", peerId="x@elsewhere#vcs"))["result"] is False

    reply = await a.client.call("createConference", title="Board", confType="symmetric", autoAccept=False)
    assert reply["result"] is True
    created = await a.client.wait_event("conferenceCreated", timeout=10)
    conf_id = created["confId"]
    assert created["isWaitingRoomEnabled"] is True and created["isWaitingRoomSwitchingSupported"] is True

    # B calls the conference ID: the owner is asked, admits it; B is in
    assert (await b.client.call("call", peerId=conf_id))["result"] is True
    assert (await b.client.wait_event("inviteRequestSent", timeout=5))["peerId"] == a.call_id
    await wait_state(b.client, 4)
    request = await a.client.wait_event("requestInviteReceived", timeout=5)
    b_full = request["peerId"]
    assert b_full.startswith(b.call_id + "/") and request["confId"] == conf_id
    waiting = await a.client.wait_event("participantPresenceInWaitingRoomChanged", timeout=5)
    assert (waiting["callId"], waiting["isInWaitingRoom"]) == (b_full, True)
    assert (await a.client.call("acceptPeer", peerId=b.call_id))["result"] is False  # a CallId
    assert (await a.client.call("acceptPeer", peerId=b_full))["result"] is True
    joined = await b.client.wait_event("conferenceCreated", timeout=10)
    assert (joined["confId"], joined["confTitle"], joined["conferenceOwner"]) == (
        conf_id,
        "Board",
        created["conferenceOwner"],
    )
    assert (await a.client.wait_event("peerAccepted", timeout=10))["peerId"] == b_full

    # C asks too and is refused
    assert (await c.client.call("call", peerId=conf_id))["result"] is True
    c_full = (await a.client.wait_event("requestInviteReceived", timeout=5))["peerId"]
    assert (await b.client.call("rejectPeer", peerId=c_full))["result"] is False  # not the owner
    assert (await a.client.call("rejectPeer", peerId=c_full))["result"] is True
    refused = await c.client.wait_event("rejectReceived", timeout=5)
    assert (refused["peerId"], refused["cause"]) == (a.call_id, 0)
    await wait_state(c.client, 3)

    # the waiting room off: C's call now joins at once
    assert (await b.client.call("setWaitingRoomState", enable=False))["result"] is False  # not the owner
    assert (await a.client.call("setWaitingRoomState", enable=False))["result"] is True
    assert (await a.client.wait_event("waitingRoomStateChanged", timeout=5))["isWaitingRoomEnabled"] is False
    assert (await c.client.call("call", peerId=conf_id))["result"] is True
    await c.client.wait_event("conferenceCreated", timeout=10)
    await a.client.wait_event("newParticipantInConference", lambda e: e["peerId"] == c_full, timeout=10)
    # on again, and C goes back to the waiting room (out of the conference)
    assert (await a.client.call("setWaitingRoomState", enable=True))["result"] is True
    assert (await a.client.call("setParticipantPresenceInWaitingRoom", callId=c_full, inWaitingRoom=True))[
        "result"
    ] is True
    await c.client.wait_event("conferenceDeleted", timeout=5)
    assert (await a.client.wait_event("participantLeftConference", timeout=5))["peerId"] == c_full
    assert {p["peerId"] for p in await _participants(b, {b_full, created["conferenceOwner"]})} == {
        b_full,
        created["conferenceOwner"],
    }
    assert (await b.client.call("getLastSelectedConference"))["confType"] == 1
    assert (await a.client.call("hangUp", forAll=True))["result"] is True
    await b.client.wait_event("conferenceDeleted", timeout=5)


async def test_python_trueconf_room_conference_flow(prosody, room_factory, connect, tmp_path):  # noqa: F811
    await asyncio.to_thread(ensure_venv)
    a, b, c = await start_rooms(prosody, room_factory, connect, 3)
    args = {
        "ports": {"owner": a.proc.http_port, "bravo": b.proc.http_port, "charlie": c.proc.http_port},
        "peers": {"bravo": b.call_id, "charlie": c.call_id},
    }
    out = await asyncio.to_thread(run_script, "conference_flow.py", tmp_path / "client", json.dumps(args))
    assert out["ready"] is True and out["in_conference"] is True and out["joined"] is True
    (created,) = out["created"]
    assert created["confTitle"] == "Library meeting" and created["confType"] == 1
    assert out["conference"] is True
    assert {conf["confId"] for conf in out["conferences"].values()} == {created["confId"]}
    assert out["listed"] is True, out["participants"]
    assert [m["message"] for m in out["chat"]] == ["hello from the library"]
    assert out["kicked"] is True and out["idle"] is True
    assert out["audit"] == {"owner": [], "bravo": [], "charlie": []}


async def test_expand_call_to_multi_keeps_the_call_going(prosody, room_factory, connect):  # noqa: F811
    a, b, c = await start_rooms(prosody, room_factory, connect, 3)
    assert (await a.client.call("expandCallToMulti", title="x", inviteList=[c.name]))["result"] is False  # no call
    p2p = await connected_call(a, b)
    b_full = (await a.client.wait_event("peerAccepted", timeout=5))["peerId"]
    await wait_state(a.client, 5)
    await wait_state(b.client, 5)
    for room in (a, b):
        room.client.clear_events()

    assert (await a.client.call("expandCallToMulti", title="Grown", inviteList=[c.name]))["result"] is True
    created = await a.client.wait_event("conferenceCreated", timeout=10)
    assert created["confTitle"] == "Grown" and created["confId"] != p2p["confId"] and CONF_ID.match(created["confId"])
    joined = await b.client.wait_event("conferenceCreated", timeout=10)  # B joins at once: nothing rings
    assert joined["confId"] == created["confId"]
    invite = await c.client.wait_event("inviteReceived", timeout=10)
    assert invite["confId"] == created["confId"]
    assert (await c.client.call("accept"))["result"] is True
    await c.client.wait_event("conferenceCreated", timeout=10)
    c_full = (await a.client.wait_event("peerAccepted", lambda e: e["peerId"].startswith(c.call_id), timeout=10))[
        "peerId"
    ]
    everyone = {created["conferenceOwner"], b_full, c_full}
    for room in (a, b, c):
        assert {p["peerId"] for p in await _participants(room, everyone)} == everyone
    for room in (a, b):
        assert room.client.pending_events("inviteReceived") == []
        # the call became the conference: no appState 6 or 3 and no conferenceDeleted in between
        assert [e["appState"] for e in room.client.pending_events("appStateChanged")] in ([], [5])
        assert room.client.pending_events("conferenceDeleted") == []
    assert (await a.client.call("getConferences"))["confId"] == created["confId"]
    picture, _ = await remote_frame(a, b_full, timeout=15)
    assert picture.std() > 20
    assert (await a.client.call("hangUp", forAll=True))["result"] is True
    for room in (a, b, c):
        assert (await room.client.wait_event("conferenceDeleted", timeout=5))["confId"] == created["confId"]
        await wait_state(room.client, 3)
