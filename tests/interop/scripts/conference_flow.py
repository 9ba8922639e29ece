"""A group conference driven through the library: the owner's createConference, the invitees'
accept on inviteReceived, everyone's getConferences / getConferenceParticipants through the
library's wrappers, group chat, kickPeer, and the owner's hangUp(True). Every frame is audited
against the library's own EVENT / METHOD_RESPONSE filters."""

from __future__ import annotations

import trueconf_room
from _common import Recorder, audit, emit, events, params, replies, wait_until

p = params()
names = ("owner", "bravo", "charlie")
sdks = {n: trueconf_room.VideoSDK(debug=False) for n in names}
recorders = {n: Recorder() for n in names}
for name, sdk in sdks.items():
    sdk.add_handler({}, recorders[name])
    sdk.open_session(ip="127.0.0.1", port=p["ports"][name])
ready = wait_until(lambda: all(s.isReady() for s in sdks.values()), 5.0)


def accept_on_invite(name: str) -> None:
    def handler(message: dict) -> None:
        if message.get("event") == "inviteReceived":
            sdks[name].methods.accept()

    sdks[name].add_handler({"event": "inviteReceived", "confId": None, "peerId": None}, handler)


for guest in names[1:]:
    accept_on_invite(guest)
owner = sdks["owner"]
owner.methods.createConference("Library meeting", "symmetric", True, [p["peers"]["bravo"], p["peers"]["charlie"]])
in_conference = wait_until(lambda: all(s.getAppState() == 5 for s in sdks.values()), 20.0)
joined = recorders["owner"].wait_for(lambda f: len(events(f, "newParticipantInConference")) >= 2, 15.0)
conference = wait_until(lambda: all(s.current_conference is not None for s in sdks.values()), 5.0)
conferences = {n: s.current_conference for n, s in sdks.items()}  # the library's own getConferences


def lists_three(name: str) -> bool:
    """Ask through the library until its reply lists all three (the last joiner may still be on its way)."""
    for _ in range(30):
        sdks[name].methods.getConferenceParticipants()
        if recorders[name].wait_for(
            lambda f: any(len(x.get("participants", [])) == 3 for x in replies(f, "getConferenceParticipants")), 0.3
        ):
            return True
    return False


listed = all(lists_three(n) for n in names)
sdks["bravo"].methods.sendGroupMessage("hello from the library")
chat = recorders["charlie"].wait_for(lambda f: bool(events(f, "incomingGroupChatMessage")), 10.0)
charlie_id = next(
    e["peerId"]
    for e in events(recorders["owner"].snapshot(), "peerAccepted")
    if e["peerId"].startswith(p["peers"]["charlie"])
)
owner.methods.kickPeer(charlie_id)
kicked = wait_until(lambda: sdks["charlie"].getAppState() == 3, 10.0)
owner.methods.hangUp(True)
idle = wait_until(lambda: all(s.getAppState() == 3 for s in sdks.values()), 10.0)
frames = {n: r.snapshot() for n, r in recorders.items()}
emit(
    {
        "ready": ready,
        "in_conference": in_conference,
        "joined": joined,
        "conference": conference,
        "conferences": conferences,
        "listed": listed,
        "participants": {
            n: [len(x.get("participants", [])) for x in replies(f, "getConferenceParticipants")]
            for n, f in frames.items()
        },
        "chat": events(frames["charlie"], "incomingGroupChatMessage"),
        "kicked": kicked,
        "idle": idle,
        "audit": {n: [a for a in audit(f) if a["ok"] is False] for n, f in frames.items()},
        "created": events(frames["owner"], "conferenceCreated"),
    }
)
for sdk in sdks.values():
    sdk.close_session()
