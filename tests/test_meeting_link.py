"""The in-meeting extension on the wire: what a room advertises, and that strangers are refused."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from slixmpp.exceptions import IqError

from meetroom.calls import farcamera, recording
from meetroom.calls.tones import DTMF_NS
from meetroom.net.xmpp import XmppSession
from tests.support.calls import connected_call, start_rooms
from tests.support.prosody import new_account, prosody  # noqa: F401


class Quiet:
    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None


async def test_features_and_strangers(prosody, room_factory, connect):  # noqa: F811
    a, b = await start_rooms(prosody, room_factory, connect)
    await connected_call(a, b)
    b_full = (await a.client.wait_event("newParticipantInConference", timeout=10))["peerId"]

    name, password = new_account(prosody, "x")
    stranger = XmppSession(f"{name}@localhost/plain", password, "127.0.0.1", prosody.port, Quiet())
    await stranger.start()
    try:
        info = await stranger.client.plugin["xep_0030"].get_info(jid=b_full, timeout=5)
        features = set(info["disco_info"]["features"])
        assert {farcamera.NS, recording.NS, DTMF_NS} <= features, features

        # someone outside the call may not ask for the camera: forbidden, and B hears nothing of it
        iq = stranger.client.make_iq_set(ito=b_full)
        iq.xml.append(ET.Element(f"{{{farcamera.NS}}}request"))
        with pytest.raises(IqError) as refused:
            await iq.send(timeout=5)
        assert refused.value.iq["error"]["condition"] == "forbidden"
        assert b.client.pending_events("requestCameraControlReceived") == []
        assert (await b.client.call("getIncomingCameraControlRequests"))["callIdList"] == []
    finally:
        await stranger.stop()
