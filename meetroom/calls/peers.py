"""Who the room is in a meeting with, as in-meeting features (far camera, recording, DTMF) address them.

A participant is named by its InstanceId (the full JID its media and extension IQs come from),
as the API's in-meeting commands name it. The directory reads the participants from sources:
the one-to-one call is one source (`call_peers`); a group conference adds its own, listing its
participants' full JIDs, and reports a participant who leaves through `peer_left`. Each source
may also say where the peer connection with a participant is (`media_of`: recording taps its
sound, DTMF its RTP), and a meeting may add rules about whose camera may be asked for. The features
never look at calls or conferences themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from meetroom.calls.errors import CallError
from meetroom.calls.phase import Phase
from meetroom.core.errors import DomainError

if TYPE_CHECKING:
    from meetroom.calls.manager import CallManager
    from meetroom.calls.media import CallMedia


class NotInMeeting(DomainError):
    """The named participant is not in the room's call or conference."""


@dataclass(frozen=True)
class MeetingPeer:
    instance_id: str  # full JID: user@server/resource
    conf_id: str
    display_name: str
    sid: str = ""  # the Jingle session with this participant

    @property
    def call_id(self) -> str:
        return self.instance_id.partition("/")[0].lower()


PeerSource = Callable[[], Iterable[MeetingPeer]]
LeftListener = Callable[[str, bool], None]  # (InstanceId, the whole meeting is over)
JoinListener = Callable[[MeetingPeer], None]
MediaLookup = Callable[[str], "CallMedia | None"]  # a participant's peer connection, None when not its source's
CameraRule = Callable[[MeetingPeer], str]  # why this room may not ask `peer` to steer its camera ("" = it may)
AskerRule = Callable[[MeetingPeer], str]  # why `peer` may not ask to steer this room's camera ("" = it may)


class PeerDirectory:
    def __init__(self) -> None:
        self._sources: list[PeerSource] = []
        self._left: list[LeftListener] = []
        self._joined: list[JoinListener] = []
        self._media: list[MediaLookup] = []
        self._camera_rules: list[CameraRule] = []
        self._asker_rules: list[AskerRule] = []

    def add_source(self, source: PeerSource, media: MediaLookup | None = None) -> None:
        """A list of participants; `media` finds the peer connection with one of them."""
        self._sources.append(source)
        if media is not None:
            self._media.append(media)

    def media_of(self, instance_id: str) -> CallMedia | None:
        """The peer connection this room has with the participant, from whichever source has it."""
        for lookup in self._media:
            found = lookup(instance_id)
            if found is not None:
                return found
        return None

    def add_camera_rule(self, rule: CameraRule) -> None:
        """A meeting's own rule about whose camera may be asked for (a conference: moderators, the podium)."""
        self._camera_rules.append(rule)

    def camera_refusal(self, peer: MeetingPeer) -> str:
        """Why this room may not ask `peer` for camera control; "" when it may."""
        return next((why for rule in self._camera_rules if (why := rule(peer))), "")

    def add_asker_rule(self, rule: AskerRule) -> None:
        """The same rule seen from the asked room: who may ask it to steer its camera."""
        self._asker_rules.append(rule)

    def asker_refusal(self, peer: MeetingPeer) -> str:
        """Why `peer` may not ask this room for camera control; "" when it may."""
        return next((why for rule in self._asker_rules if (why := rule(peer))), "")

    def on_left(self, listener: LeftListener) -> None:
        self._left.append(listener)

    def on_joined(self, listener: JoinListener) -> None:
        self._joined.append(listener)

    def peers(self) -> list[MeetingPeer]:
        return [peer for source in self._sources for peer in source()]

    def find(self, instance_id: str) -> MeetingPeer | None:
        """The participant with exactly this full JID (case-insensitive), if any."""
        wanted = instance_id.lower()
        return next((p for p in self.peers() if p.instance_id.lower() == wanted), None)

    def resolve(self, text: str) -> MeetingPeer:
        """The participant a command names: its InstanceId, or a CallId/PeerId only one participant has."""
        found = self.find(text)
        if found is not None:
            return found
        bare = text.strip().lower()
        matches = [p for p in self.peers() if bare in (p.call_id, p.call_id.partition("@")[0])]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise NotInMeeting(f"'{text}' names several participants: give the InstanceId (user@server/resource)")
        if not self.peers():
            raise NotInMeeting("the room is not in a call or conference")
        raise NotInMeeting(f"'{text}' is not a participant of the current call or conference")

    def peer_joined(self, peer: MeetingPeer) -> None:
        for listener in self._joined:
            listener(peer)

    def peer_left(self, instance_id: str, meeting_over: bool) -> None:
        for listener in self._left:
            listener(instance_id, meeting_over)


def call_peers(calls: CallManager) -> PeerSource:
    """The one-to-one call's peer once its media is up (the API's "conference" exists then)."""

    def read() -> list[MeetingPeer]:
        call = calls.call
        if call is None or call.phase is not Phase.ACTIVE or not call.peer_full:
            return []
        return [MeetingPeer(call.peer_full, call.conf_id, call.peer_dn, call.sid)]

    return read


def _call_media(calls: CallManager) -> MediaLookup:
    def lookup(instance_id: str) -> CallMedia | None:
        try:
            return calls.active_media(instance_id)
        except CallError:
            return None

    return lookup


def follow_calls(directory: PeerDirectory, calls: CallManager) -> None:
    """Make the one-to-one call a source of the directory, its start and end reported to it."""
    directory.add_source(call_peers(calls), _call_media(calls))

    def changed(instance_id: str, joined: bool, meeting_over: bool) -> None:
        if joined:
            peer = directory.find(instance_id)
            if peer is not None:
                directory.peer_joined(peer)
        else:
            directory.peer_left(instance_id, meeting_over)

    calls.on_leg_change(changed)
