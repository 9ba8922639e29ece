"""XEP-0030 service discovery and XEP-0115 entity capabilities on the room's XMPP session.

Other clients decide from these whether to offer a call to the room (they look for Jingle RTP,
ICE-UDP, DTLS-SRTP and JMI), and the room decides from a callee's whether to ring it with JMI or
with a direct Jingle session-initiate (meetroom.calls.route). slixmpp's xep_0115 plugin adds the
`<c/>` element to the room's available presences and caches what peers' caps stand for (it asks
each new verification string once with disco#info, as the XEP describes).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from slixmpp.exceptions import IqError, IqTimeout

if TYPE_CHECKING:
    from meetroom.net.xmpp import XmppSession

log = logging.getLogger(__name__)

CAPS_NODE = "urn:meetroom:caps"
IDENTITY = ("client", "pc", "meetroom")
DISCO_TIMEOUT = 1.5  # seconds a callee's disco#info may take before the call goes out as JMI


def advertise(session: XmppSession, features: Iterable[str]) -> None:
    """Call before the session starts: the features go into disco#info and the caps hash."""
    client = session.client
    if "xep_0115" not in client.plugin:
        client.register_plugin("xep_0115", pconfig={"caps_node": CAPS_NODE})
    disco = client.plugin["xep_0030"]
    for feature in features:
        disco.add_feature(feature)
    if not getattr(session, "_meetroom_caps_hook", False):
        session._meetroom_caps_hook = True  # type: ignore[attr-defined]
        client.add_event_handler("session_start", lambda _: asyncio.ensure_future(_update_caps(session)))


async def _update_caps(session: XmppSession) -> None:
    """Compute our verification string once bound (before the first presence is published)."""
    client = session.client
    try:
        client.plugin["xep_0030"].add_identity(category=IDENTITY[0], itype=IDENTITY[1], name=IDENTITY[2])
        await client.plugin["xep_0115"].update_caps(broadcast=False)
    except Exception:
        log.exception("cannot compute the room's entity capabilities")


async def peer_features(session: XmppSession, full_jid: str, timeout: float = DISCO_TIMEOUT) -> frozenset[str] | None:
    """What one resource advertises: its caps when known, else its disco#info; None when not told."""
    client = session.client
    info: Any = None
    try:
        if "xep_0115" in client.plugin:
            info = await client.plugin["xep_0115"].get_caps(jid=full_jid)
        if info is None:
            iq = await client.plugin["xep_0030"].get_info(jid=full_jid, local=False, cached=False, timeout=timeout)
            info = iq["disco_info"]
    except (IqError, IqTimeout) as exc:
        log.info("no disco#info from %s: %s", full_jid, exc)
        return None
    return frozenset(str(f) for f in info["features"])
