"""The Jingle half of a call: offer/answer with the peer, trickled candidates, session-info.

A mixin of `CallManager` (manager.py), which owns the call table, the API events and the
ending; this part turns Jingle IQs into peer-connection steps and back (docs/calls.md).
"""

from __future__ import annotations

import contextlib
import logging
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

from meetroom.calls import views
from meetroom.calls.call import Call, Phase
from meetroom.core.appstate import AppState
from meetroom.net.jingle import (
    JingleError,
    SdpError,
    is_bundled,
    jingle_to_sdp,
    read_reason,
    remote_candidates,
    sdp_to_jingle,
    session_terminate,
)
from meetroom.net.jingle.info import read_session_info, session_info

if TYPE_CHECKING:
    from meetroom.calls.manager import CallManager
    from meetroom.calls.media import CallMedia

log = logging.getLogger(__name__)

TERMINAL_NS = "urn:meetroom:terminal:0"  # marks a peer that sends all candidates in the SDP
TERMINAL = f"{{{TERMINAL_NS}}}terminal"
CONNECT_TIMEOUT = 10.0  # answer → media connected


def terminal_marker() -> ET.Element:
    return ET.Element(TERMINAL)


def from_meetroom(jingle: ET.Element) -> bool:
    """Whether the offer carries the marker of another meetroom (see TERMINAL_NS)."""
    return jingle.find(TERMINAL) is not None


class JingleFlow:
    """Methods of CallManager that speak Jingle; `self` is always the CallManager."""

    def _new_media(self: CallManager, call: Call) -> CallMedia:
        from meetroom.calls.media import CallMedia

        media = CallMedia(self.room, self.policy(), lambda reason: self._media_lost(call, reason))
        media.peer_id = call.peer_full
        media.on_bitrate = lambda kbps: self._publish("outgoingBitrateChanged", {"bitrate": kbps})
        call.media = media
        return media

    async def _offer(self: CallManager, call: Call) -> None:
        try:
            media = self._new_media(call)
            sdp = await media.offer()
            element = sdp_to_jingle(sdp, sid=call.sid, action="session-initiate", initiator=self.own_full)
        except (ValueError, SdpError) as exc:
            log.warning("cannot make the offer: %s", exc)
            await self._end(call, local=True, cause=11, condition="media-error")
            return
        element.append(terminal_marker())
        if self.call is not call or call.phase is Phase.ENDED:
            return
        if await self._send_or_end(call, element):
            self._connect_deadline(call)

    async def _answer(self: CallManager, call: Call) -> None:
        offer = call.offer_jingle
        assert offer is not None
        try:
            media = self._new_media(call)
            policy = media.pc.policy
            sdp = jingle_to_sdp(offer, candidate_filter=policy.allows_remote, end_of_candidates=call.peer_is_meetroom)
            answer = await media.answer(sdp)
            element = sdp_to_jingle(
                answer, sid=call.sid, action="session-accept", responder=self.own_full, bundle=is_bundled(offer)
            )
        except (ValueError, JingleError, SdpError) as exc:
            log.warning("cannot answer the offer: %s", exc)
            await self._end(call, local=True, cause=15, condition="incompatible-parameters")
            return
        element.append(terminal_marker())
        if self.call is not call or call.phase is Phase.ENDED:
            return
        self._connect_deadline(call)
        call.tasks.append(self._spawn(self._await_connected(call)))
        await self._send_or_end(call, element)

    def _connect_deadline(self: CallManager, call: Call) -> None:
        """End the call if its media has not connected within CONNECT_TIMEOUT."""
        self._timer(call, CONNECT_TIMEOUT, lambda: self._end(call, local=True, cause=10, condition="failed-transport"))

    async def _send_or_end(self: CallManager, call: Call, element: ET.Element) -> bool:
        """Send the offer/answer; a peer that refuses or does not answer ends the call (quietly)."""
        if await self.signalling.send_jingle(call.peer_full, element):
            return True
        await self._end(call, local=False, cause=10, condition="general-error", notify=False)
        return False

    async def _await_connected(self: CallManager, call: Call) -> None:
        assert call.media is not None
        await call.media.connected.wait()
        if self.call is call and call.phase is Phase.NEGOTIATING:
            self._connected(call)

    def jingle_received(self: CallManager, iq: Any, jingle: ET.Element) -> None:
        action, sid = jingle.get("action", ""), jingle.get("sid", "")
        sender = str(iq["from"])
        call = self.call
        mine = call is not None and call.sid == sid and sender == call.peer_full
        if action == "session-initiate":
            self._session_initiate(iq, jingle, sender)
            return
        if not mine:
            if sid in self._recent:
                self.signalling.ack(iq)
            else:
                self.signalling.error(iq, "item-not-found", "unknown-session")
            return
        assert call is not None
        if action == "session-accept" and call.outgoing and call.phase is Phase.NEGOTIATING:
            self.signalling.ack(iq)
            call.peer_is_meetroom = from_meetroom(jingle)
            self._spawn(self._apply_answer(call, jingle))
        elif action == "session-terminate":
            self.signalling.ack(iq)
            reason = read_reason(jingle, default_condition="success")
            self._spawn(self._end(call, local=False, notify=False, cause=reason.cause, condition=reason.condition))
        elif action == "session-info":
            self._session_info(iq, jingle, call)
        elif action == "transport-info":
            self.signalling.ack(iq)
            self._spawn(self._trickle(call, jingle))
        else:
            self.signalling.error(iq, "feature-not-implemented", "unsupported-info")

    def _session_initiate(self: CallManager, iq: Any, jingle: ET.Element, sender: str) -> None:
        sid = jingle.get("sid", "")
        call = self.call
        if call is not None and call.sid == sid:
            if call.outgoing or sender != call.peer_full or call.offer_jingle is not None:
                self.signalling.error(iq, "unexpected-request", "out-of-order", etype="wait")
                return
            self.signalling.ack(iq)
            call.offer_jingle = jingle
            call.peer_is_meetroom = from_meetroom(jingle)
            if call.phase is Phase.NEGOTIATING:
                call.cancel_timers()
                self._spawn(self._answer(call))
            return
        self.signalling.ack(iq)
        if call is not None or self.room.appstate.state != AppState.NORMAL:
            self.signalling.send_jingle_nowait(sender, session_terminate(sid, 2, condition="busy"))
            return
        marked = from_meetroom(jingle)
        self._ring(self._proposed(sender, sid, via_jmi=False, offer_jingle=jingle, peer_is_meetroom=marked))

    async def _apply_answer(self: CallManager, call: Call, jingle: ET.Element) -> None:
        media = call.media
        if media is None:
            return
        try:
            sdp = jingle_to_sdp(
                jingle, candidate_filter=media.pc.policy.allows_remote, end_of_candidates=call.peer_is_meetroom
            )
            await media.accept_answer(sdp)
        except (ValueError, JingleError, SdpError) as exc:
            log.warning("cannot use the answer: %s", exc)
            await self._end(call, local=True, cause=15, condition="incompatible-parameters")
            return
        await self._await_connected(call)

    async def _trickle(self: CallManager, call: Call, jingle: ET.Element) -> None:
        media = call.media
        if media is None:
            return
        from aiortc.sdp import candidate_from_sdp

        first_mid = next(iter(media.mids().values()), None)
        for found in remote_candidates(jingle, media.pc.policy.allows_remote):
            candidate = candidate_from_sdp(found.sdp.partition(":")[2])
            candidate.sdpMid = first_mid or found.mid
            with contextlib.suppress(Exception):
                await media.pc.addIceCandidate(candidate)

    def _session_info(self: CallManager, iq: Any, jingle: ET.Element, call: Call) -> None:
        infos = read_session_info(jingle)
        if not infos and len(jingle):
            self.signalling.error(iq, "feature-not-implemented", "unsupported-info", etype="modify")
            return
        self.signalling.ack(iq)
        mids = {mid: kind for kind, mid in (call.media.mids().items() if call.media else [])}
        changed = False
        for info in infos:
            if info.payload not in ("mute", "unmute"):
                continue
            kinds = [mids[info.name]] if info.name in mids else ["audio", "video"]
            for kind in kinds:
                key = "mic" if kind == "audio" else "video"
                muted = info.payload == "mute"
                changed = changed or call.remote_mutes[key] != muted
                call.remote_mutes[key] = muted
        if changed and call.phase is Phase.ACTIVE:
            self._publish_device_status(call)

    def _publish_device_status(self: CallManager, call: Call) -> None:
        self._publish(
            "deviceStatusReceived",
            {
                "confId": call.conf_id,
                "peerId": call.peer_id,
                "mic": views.device_state(call.remote_mutes["mic"]),
                "video": views.device_state(call.remote_mutes["video"]),
            },
        )

    def _send_mute(self: CallManager, call: Call, what: str, muted: bool) -> None:
        if call.media is None:
            return
        mid = call.media.mids().get("audio" if what == "mic" else "video", "")
        payload = "mute" if muted else "unmute"
        self.signalling.send_jingle_nowait(call.peer_full, session_info(call.sid, payload, name=mid))
