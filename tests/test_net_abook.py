"""Address book, presence, groups and blocking between two rooms on one real Prosody."""

from __future__ import annotations

import asyncio
import time

from tests.support.netroom import online
from tests.support.prosody import new_account, prosody  # noqa: F401

_passwords: dict[str, str] = {}


def prosody_password(call_id: str) -> str:
    return _passwords[call_id]


async def two_rooms(prosody, room_factory, connect):  # noqa: F811
    (a_name, a_pw), (b_name, b_pw) = new_account(prosody, "a"), new_account(prosody, "b")
    _passwords.update({f"{a_name}@localhost": a_pw, f"{b_name}@localhost": b_pw})
    room_a, room_b = room_factory(name="a"), room_factory(name="b")
    a, b = await connect(room_a), await connect(room_b)
    await asyncio.gather(online(a, prosody, a_name, a_pw), online(b, prosody, b_name, b_pw))
    return a, b, f"{a_name}@localhost", f"{b_name}@localhost"


async def test_add_contact_shows_in_both_rosters_with_presence(prosody, room_factory, connect):  # noqa: F811
    a, b, a_id, b_id = await two_rooms(prosody, room_factory, connect)
    reply = await a.call("addToAbook", peerId=b_id.split("@")[0], peerDn="Room B")
    assert reply["result"] is True
    assert reply["callId"] == b_id
    added = await a.wait_event("contactsAdded", lambda e: e["contacts"][0]["peerId"] == b_id)
    assert added["contacts"][0]["peerDn"] == "Room B"
    # B accepted the subscription and subscribed back: A is in B's roster now
    await b.wait_event("contactsAdded", lambda e: e["contacts"][0]["peerId"] == a_id)
    # presence of B reaches A: available from a meetroom terminal (extStatus 4)
    status = await a.wait_event(
        "usersStatusesChanged",
        lambda e: e["usersStatuses"][0]["peerId"] == b_id and e["usersStatuses"][0]["extStatus"] == 4,
    )
    entry = status["usersStatuses"][0]
    assert entry["status"] == 1 and entry["lastOnlineTime"] == 0
    book = (await a.call("getAbook"))["abook"]
    assert [(c["peerId"], c["peerDn"], c["extStatus"]) for c in book] == [(b_id, "Room B", 4)]

    # a presence change of B is seen by A within a second
    await b.call("logout")
    started = time.monotonic()
    gone = await a.wait_event(
        "usersStatusesChanged", lambda e: e["usersStatuses"][0]["extStatus"] in (0, 1), timeout=1.0
    )
    assert time.monotonic() - started < 1.0
    assert gone["usersStatuses"][0]["extStatus"] == 1  # offline, recently seen
    assert gone["usersStatuses"][0]["lastOnlineTime"] > 0

    await a.call("renameInAbook", peerId=b_id, peerDn="Board room")
    renamed = await a.wait_event("contactsRenamed")
    assert renamed["contacts"] == [{"peerId": b_id, "peerDn": "Board room"}]
    assert (await a.call("getDisplayNameById", peerId=b_id))["peerDn"] == "Board room"

    await a.call("removeFromAbook", peerId=b_id)
    deleted = await a.wait_event("contactsDeleted")
    assert deleted["contacts"][0]["peerId"] == b_id
    assert (await a.call("getAbook"))["abook"] == []
    reply = await a.call("removeFromAbook", peerId=b_id)
    assert reply["result"] is False and "not in the address book" in reply["error"]


async def test_groups_round_trip_through_the_server_roster(prosody, room_factory, connect):  # noqa: F811
    a, _b, _a_id, b_id = await two_rooms(prosody, room_factory, connect)
    await a.call("addToAbook", peerId=b_id)
    await a.wait_event("contactsAdded")
    created = await a.call("createGroup", name="Floor 2")
    assert created["result"] is True
    event = await a.wait_event("groupsAdded")
    gid = event["groups"][0]["groupId"]
    assert (await a.call("createGroup", name="Floor 2"))["result"] is False
    groups = (await a.call("getGroups"))["groups"]
    assert groups == [{"groupId": gid, "name": "Floor 2", "users": []}]

    await a.call("addToGroup", groupId=gid, peerId=b_id)
    joined = await a.wait_event("usersAddedToGroups")
    assert joined["addedUsers"][0]["peerId"] == b_id and joined["addedUsers"][0]["groupId"] == gid
    assert (await a.call("getGroups"))["groups"][0]["users"][0]["peerId"] == b_id

    await a.call("renameGroup", groupId=gid, newName="Floor 3")
    await a.wait_event("groupsRenamed", lambda e: e["groups"][0]["name"] == "Floor 3")
    assert [(g["groupId"], g["name"]) for g in (await a.call("getGroups"))["groups"]] == [(gid, "Floor 3")]

    await a.call("removeFromGroup", groupId=gid, peerId=b_id)
    await a.wait_event("usersRemovedFromGroups")
    # the group stays (empty) after its last member left
    assert (await a.call("getGroups"))["groups"] == [{"groupId": gid, "name": "Floor 3", "users": []}]
    await a.call("removeGroup", groupId=gid)
    await a.wait_event("groupsRemoved")
    assert (await a.call("getGroups"))["groups"] == []
    reply = await a.call("addToGroup", groupId=gid, peerId=b_id)
    assert reply["result"] is False and "no group" in reply["error"]


async def test_block_stops_messages_and_unblock_restores_them(prosody, room_factory, connect):  # noqa: F811
    a, b, a_id, b_id = await two_rooms(prosody, room_factory, connect)
    reply = await a.call("block", peerId=b_id.split("@")[0])
    assert reply == {**reply, "result": True, "peerId": b_id}
    await a.wait_event("contactBlocked", lambda e: e["peerId"] == b_id)
    assert (await a.call("getBanList"))["banList"] == [{"peerId": b_id, "peerDn": b_id.split("@")[0]}]

    await b.call("sendMessage", peerId=a_id, message="while blocked")
    # B's next round trip with the server comes after that message (one session's stanzas are
    # handled in order): once it is answered the server has routed, and dropped, the message
    nobody = "nobody@" + b_id.split("@")[1]
    assert (await b.call("block", peerId=nobody))["result"] is True
    await b.wait_event("contactBlocked", lambda e: e["peerId"] == nobody)
    await a.call("unblock", peerId=b_id)
    await a.wait_event("contactUnblocked", lambda e: e["peerId"] == b_id)
    await b.call("sendMessage", peerId=a_id, message="after unblock")
    first = await a.wait_event("incomingChatMessage")
    # the message sent while blocked never arrived: the first one A sees is the later one
    assert first["message"] == "after unblock"
    assert a.pending_events("incomingChatMessage") == []
    assert (await a.call("getBanList"))["banList"] == []


async def publish_vcard(server_port: int, jid: str, password: str) -> None:
    """Publish a vCard for an account with a bare slixmpp client (what another XMPP app would do)."""
    from slixmpp import ClientXMPP
    from slixmpp.xmlstream import ET

    client = ClientXMPP(f"{jid}/vcard", password)
    client.enable_starttls = client.enable_direct_tls = False
    client.enable_plaintext = True
    client.register_plugin("xep_0054")
    client.plugin["feature_mechanisms"].unencrypted_plain = True
    started = asyncio.Event()
    client.add_event_handler("session_start", lambda _e: started.set())
    client.connect(host="127.0.0.1", port=server_port)
    await asyncio.wait_for(started.wait(), 10)
    card = client.plugin["xep_0054"].make_vcard()
    card["FN"] = "Grace Hopper"
    card["N"]["GIVEN"] = "Grace"
    card["N"]["FAMILY"] = "Hopper"
    for kind, number in (("CELL", "+1 555 0100"), ("WORK", "+1 555 0101"), ("HOME", "+1 555 0102")):
        tel = ET.SubElement(card.xml, "{vcard-temp}TEL")
        ET.SubElement(tel, f"{{vcard-temp}}{kind}")
        ET.SubElement(tel, "{vcard-temp}VOICE")
        ET.SubElement(tel, "{vcard-temp}NUMBER").text = number
    org = ET.SubElement(card.xml, "{vcard-temp}ORG")
    ET.SubElement(org, "{vcard-temp}ORGNAME").text = "Navy"
    await client.plugin["xep_0054"].publish_vcard(card, timeout=10)
    await client.disconnect()


async def test_contact_details_come_from_the_vcard(prosody, room_factory, connect):  # noqa: F811
    a, _b, _a_id, b_id = await two_rooms(prosody, room_factory, connect)
    await a.call("getContactDetails", peerId=b_id)
    details = await a.wait_event("detailsInfo")
    assert details["peerId"] == b_id and details["peerDn"] == b_id.split("@")[0]
    assert details["firstName"] == "" and details["isEditable"] is False

    await publish_vcard(prosody.port, b_id, prosody_password(b_id))
    await a.call("getContactDetails", peerId=b_id)
    details = await a.wait_event("detailsInfo")
    assert (details["peerDn"], details["firstName"], details["lastName"]) == ("Grace Hopper", "Grace", "Hopper")
    assert (details["mobilePhone"], details["workPhone"], details["homePhone"]) == (
        "+1 555 0100",
        "+1 555 0101",
        "+1 555 0102",
    )
    assert details["company"] == "Navy"
    # not in the address book: the display name comes from the vCard
    assert (await a.call("getDisplayNameById", peerId=b_id))["peerDn"] == "Grace Hopper"


async def test_last_online_time_of_an_offline_contact_is_known_after_login(prosody, room_factory, connect):  # noqa: F811
    a, b, a_id, b_id = await two_rooms(prosody, room_factory, connect)
    await a.call("addToAbook", peerId=b_id)
    await a.wait_event("usersStatusesChanged", lambda e: e["usersStatuses"][0]["extStatus"] == 4)
    await b.call("logout")
    await b.wait_event("logout")
    logged_out = int(time.time())
    await a.call("logout")
    await a.wait_event("logout")
    a.clear_events()
    await a.call("login", login=a_id, password=prosody_password(a_id))
    seen = await a.wait_event("usersStatusesChanged", lambda e: e["usersStatuses"][0]["peerId"] == b_id, timeout=5)
    entry = seen["usersStatuses"][0]
    assert entry["extStatus"] == 1 and entry["status"] == 0
    assert abs(entry["lastOnlineTime"] - logged_out) <= 2
