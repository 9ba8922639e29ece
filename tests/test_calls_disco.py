"""The room advertises its call features (XEP-0030, XEP-0115) and reads its callee's.

Clients look at disco#info / caps to decide whether to offer a call; the room looks at them to
decide between a JMI propose and a direct Jingle session-initiate (a client without JMI ignores
the propose). The peers here are slixmpp sessions on a real Prosody with the features set by hand.
"""

from __future__ import annotations

import asyncio
from typing import Any

from meetroom.calls.route import ROOM_FEATURES
from meetroom.net.jingle import jmi, session_terminate
from meetroom.net.jingle.ns import DTLS, ICE_UDP, JINGLE, RTP
from meetroom.net.xmpp import XmppSession
from tests.support.calls import start_rooms, wait_state
from tests.support.prosody import new_account, prosody  # noqa: F401
from tests.test_calls_interop import PlainClient, Quiet, candidate_ips

JINGLE_RTP_ONLY = (JINGLE, RTP, "urn:xmpp:jingle:apps:rtp:audio", "urn:xmpp:jingle:apps:rtp:video", ICE_UDP, DTLS)


async def featured_client(prosody, features: tuple[str, ...]) -> PlainClient:  # noqa: F811
    """A slixmpp session that advertises `features` in disco#info and caps, and is online."""
    name, password = new_account(prosody, "f")
    session = XmppSession(f"{name}@localhost/web", password, "127.0.0.1", prosody.port, Quiet())
    session.client.register_plugin("xep_0115")
    disco = session.client.plugin["xep_0030"]
    for feature in features:
        disco.add_feature(feature)
    await session.start()
    await session.client.plugin["xep_0115"].update_caps(broadcast=False)
    session.client.send_presence()
    await session.flush()
    return PlainClient(session)


async def mutual_contacts(room: Any, client: PlainClient) -> None:
    """The room adds the client (both sides authorise and subscribe back): presences flow both ways."""
    assert (await room.client.call("addToAbook", peerId=client.session.bare))["result"] is True

    def online(event: dict[str, Any]) -> bool:
        return any(u["peerId"] == client.session.bare and u["extStatus"] == 2 for u in event["usersStatuses"])

    await room.client.wait_event("usersStatusesChanged", online, timeout=10)


async def test_the_room_advertises_jingle_and_jmi_in_disco_and_caps(prosody, room_factory, connect):  # noqa: F811
    (room,) = await start_rooms(prosody, room_factory, connect, 1)
    client = await featured_client(prosody, ())
    try:
        await mutual_contacts(room, client)
        caps = client.session.client.plugin["xep_0115"]
        room_full = await asyncio.wait_for(_room_resource(client, room.call_id), 10)
        info = await client.session.client.plugin["xep_0030"].get_info(jid=room_full, local=False, timeout=5)
        features = set(info["disco_info"]["features"])
        assert set(ROOM_FEATURES) <= features
        assert ("client", "pc", None, "meetroom") in info["disco_info"]["identities"]
        # the presence carried caps; slixmpp fetched and verified them against the hash
        async with asyncio.timeout(10):
            while (known := await caps.get_caps(jid=room_full)) is None:
                await asyncio.sleep(0.05)
        assert set(ROOM_FEATURES) <= set(known["features"])
    finally:
        await client.pc.close()
        await client.session.stop()


async def _room_resource(client: PlainClient, bare: str) -> str:
    """The room's full JID, from the presence it sent the client."""
    roster = client.session.client.client_roster
    while True:
        resources = roster.presence(bare) if bare in roster else {}
        if resources:
            return f"{bare}/{next(iter(resources))}"
        await asyncio.sleep(0.05)


async def test_a_client_without_jmi_is_called_with_a_session_initiate(prosody, room_factory, connect):  # noqa: F811
    (room,) = await start_rooms(prosody, room_factory, connect, 1)
    x = await featured_client(prosody, JINGLE_RTP_ONLY)
    try:
        await mutual_contacts(room, x)
        assert (await room.client.call("call", peerId=x.session.bare))["result"] is True
        sender, offer = await x.next_jingle("session-initiate")
        assert x.jmi.empty()  # no propose: the client would have ignored it
        assert candidate_ips(offer) == {"127.0.0.1"}
        sid = offer.get("sid")
        invite = await room.client.wait_event("inviteSent", timeout=5)
        assert invite["confId"] == jmi.conf_id_for(sid, "localhost")
        await wait_state(room.client, 4)
        await x.send_jingle(sender, await x.answer(offer, sid))
        await room.client.wait_event("conferenceCreated", timeout=15)
        assert (await asyncio.wait_for(x.frames, 10)).width > 0  # the room's picture arrives
        await x.send_jingle(sender, session_terminate(sid))
        await room.client.wait_event("participantLeftConference", timeout=5)
        await wait_state(room.client, 3)
        assert x.jmi.empty()

        # a second call, declined by session-terminate <decline/>: rejectReceived cause 0
        await room.client.call("call", peerId=x.session.bare)
        sender, offer = await x.next_jingle("session-initiate")
        await x.send_jingle(sender, session_terminate(offer.get("sid"), 0, condition="decline"))
        assert (await room.client.wait_event("rejectReceived", timeout=5))["cause"] == 0
        await wait_state(room.client, 3)
    finally:
        await x.pc.close()
        await x.session.stop()


async def test_a_client_with_jmi_still_gets_a_propose(prosody, room_factory, connect):  # noqa: F811
    (room,) = await start_rooms(prosody, room_factory, connect, 1)
    x = await featured_client(prosody, (*JINGLE_RTP_ONLY, jmi.JMI))
    try:
        await mutual_contacts(room, x)
        await room.client.call("call", peerId=x.session.bare)
        sender, propose = await x.next_jmi("propose")
        assert x.jingle.empty()
        x.send_jmi(sender, jmi.ending("reject", propose.sid))
        assert (await room.client.wait_event("rejectReceived", timeout=5))["cause"] == 0
    finally:
        await x.pc.close()
        await x.session.stop()


async def test_a_full_jid_without_presence_is_asked_by_disco_info(prosody, room_factory, connect):  # noqa: F811
    """Not a contact (no presence, no caps): the room asks the resource itself before calling."""
    (room,) = await start_rooms(prosody, room_factory, connect, 1)
    x = await featured_client(prosody, JINGLE_RTP_ONLY)
    try:
        await room.client.call("call", peerId=x.session.full_jid)
        sender, offer = await x.next_jingle("session-initiate")
        sid = offer.get("sid")
        await x.send_jingle(sender, await x.answer(offer, sid))
        created = await room.client.wait_event("conferenceCreated", timeout=15)
        assert created["peerId"] == x.session.full_jid
        await room.client.call("hangUp")
        _, ended = await x.next_jingle("session-terminate")
        assert ended.get("sid") == sid and x.jmi.empty()  # no JMI finish either
    finally:
        await x.pc.close()
        await x.session.stop()
