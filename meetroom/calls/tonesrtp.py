"""RFC 4733 for the participants' calls: telephone-event negotiated per the setting, sent and heard.

The glue between `ToneDial` (calls/tones.py) and the peer connections (media/dtmfrtp.py): the
codec list follows the `telephoneEvent` setting before each call's media opens; once a
participant's media is up its audio is watched for events; toneDial uses the participant's
audio stream when telephone-event was negotiated with it. aiortc is imported on first use, as
the call manager does, so that starting a room stays quick.
"""

from __future__ import annotations

import logging
import weakref
from typing import TYPE_CHECKING, Any

from meetroom.calls.peers import MeetingPeer, PeerDirectory
from meetroom.calls.tones import RtpTones, ToneDial
from meetroom.core.settings import Settings

if TYPE_CHECKING:
    from meetroom.calls.manager import CallManager

log = logging.getLogger(__name__)
SETTING = "telephoneEvent"


def follow_rtp(tones: ToneDial, directory: PeerDirectory, calls: CallManager, settings: Settings) -> None:
    senders: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()  # peer connection -> sender

    def before_media() -> None:
        from meetroom.media import dtmfrtp

        dtmfrtp.negotiate(bool(settings.get(SETTING)))

    def connection(peer: MeetingPeer) -> Any:
        media = directory.media_of(peer.instance_id)  # the call's or a conference leg's
        return media.pc if media is not None else None

    def rtp_for(peer: MeetingPeer) -> RtpTones | None:
        from meetroom.media import dtmfrtp

        pc = connection(peer)
        if pc is None:
            return None
        if pc not in senders:
            senders[pc] = dtmfrtp.ToneSender.for_connection(pc)
        return senders[pc]

    def joined(peer: MeetingPeer) -> None:
        from meetroom.media import dtmfrtp

        pc = connection(peer)
        if pc is not None and dtmfrtp.listen(pc, lambda symbol: tones.received(peer, symbol)):
            log.info("telephone-event negotiated with %s", peer.instance_id)

    calls.on_media_open(before_media)
    tones.rtp_for = rtp_for
    directory.on_joined(joined)
