"""The conference as a source of the in-meeting features' participants (calls/peers.py).

Far-end camera control, DTMF and recording address a participant by its InstanceId through the
`PeerDirectory`; the one-to-one call is one source, this module adds the conference's
participants (full JID, confId, display name, the Jingle sid of this room's leg with it) and
reports their coming and going: `peer_joined` once the participant's media leg is connected (at
once for a participant this room has no leg with), `peer_left` when it leaves or the conference
ends. It also adds the conference's camera rule (requestParticipantCameraControl): only the owner
or a moderator may ask, and in a role-based conference or a video lecture only someone on the
podium can be asked; the asked room applies the same rule to requests it receives.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from meetroom.calls.conference import effects as fx
from meetroom.calls.conference.mesh import MeshTopology
from meetroom.calls.conference.state import ASYMMETRIC, ROLE_BASED, Conference, Phase
from meetroom.calls.peers import MeetingPeer, PeerDirectory

if TYPE_CHECKING:
    from meetroom.calls.conference.manager import ConferenceManager
    from meetroom.calls.media import CallMedia

log = logging.getLogger(__name__)

CONNECT_WAIT = 30.0  # s a participant's leg may take to connect before it is announced anyway
POLL = 0.02  # s between looks for the leg's peer connection (the mesh makes it in a task)


class ConferencePeers:
    def __init__(self, directory: PeerDirectory, conferences: ConferenceManager) -> None:
        self.directory, self.conferences = directory, conferences
        self._watching: dict[str, asyncio.Task] = {}
        directory.add_source(self.peers, self.media_of)
        directory.add_camera_rule(self.camera_refusal)
        directory.add_asker_rule(self.asker_refusal)
        conferences.effect_taps.append(self._effect)

    def _active(self) -> Conference | None:
        conf = self.conferences.machine.conf
        return conf if conf is not None and conf.phase is Phase.ACTIVE else None

    def _sid(self, jid: str) -> str:
        topology = self.conferences.topology
        leg = topology.legs.get(jid) if isinstance(topology, MeshTopology) else None
        return leg.sid if leg is not None else ""

    def peers(self) -> list[MeetingPeer]:
        conf = self._active()
        if conf is None:
            return []
        return [
            MeetingPeer(who.jid, conf.conf_id, who.dn, self._sid(who.jid))
            for who in conf.participants.values()
            if not who.jid.lower().startswith(conf.room + "/")  # a hidden real JID cannot be addressed
        ]

    def media_of(self, instance_id: str) -> CallMedia | None:
        topology = self.conferences.topology
        if self._active() is None or not isinstance(topology, MeshTopology):
            return None
        wanted = instance_id.lower()
        jid = next((j for j in topology.legs if j.lower() == wanted), None)
        return topology.media_of(jid) if jid is not None else None

    def camera_refusal(self, peer: MeetingPeer) -> str:
        conf = self._active()
        if conf is None or peer.conf_id != conf.conf_id:
            return ""  # not a conference participant: the one-to-one call has no such rule
        if not (conf.is_owner or conf.is_moderator):
            return "in a conference only the owner or a moderator can ask for camera control"
        who = conf.participants.get(peer.instance_id)
        if who is None:
            return ""
        if conf.conf_type == ROLE_BASED and not who.voice:
            return f"'{peer.instance_id}' is not on the podium: only speakers' cameras can be asked for"
        if conf.conf_type == ASYMMETRIC and not (conf.is_owner or who.owner):
            # a video lecture's podium is the lecturer: a moderator sees (and can ask) only the owner
            return f"'{peer.instance_id}' is not on the podium: only the lecturer's camera can be asked for"
        return ""

    def asker_refusal(self, peer: MeetingPeer) -> str:
        """The asked room's side of the rule: a participant that is neither owner nor moderator is
        refused (without asking this room's user), as is anyone while this room is off the podium."""
        conf = self._active()
        who = conf.participants.get(peer.instance_id) if conf is not None else None
        if conf is None or who is None:
            return ""
        if not (who.owner or who.moderator):
            return f"'{peer.instance_id}' is neither the owner nor a moderator of the conference"
        if conf.conf_type == ROLE_BASED and not conf.voice:
            return "this room is not on the podium"
        if conf.conf_type == ASYMMETRIC and not (conf.is_owner or who.owner):
            return "in a video lecture only the lecturer's camera can be asked for"
        return ""

    # --- coming and going -----------------------------------------------------------------
    def _effect(self, effect: fx.Effect) -> None:
        if isinstance(effect, fx.AddSlot):
            self._watch(effect.peer)
        elif isinstance(effect, fx.RemoveSlot):
            task = self._watching.pop(effect.peer, None)
            if task is not None:
                task.cancel()
            self.directory.peer_left(effect.peer, self.conferences.machine.conf is None)

    def _watch(self, jid: str) -> None:
        old = self._watching.pop(jid, None)
        if old is not None:
            old.cancel()
        task = asyncio.get_running_loop().create_task(self._announce_when_connected(jid))
        self._watching[jid] = task
        task.add_done_callback(lambda done: self._watching.pop(jid, None) if self._watching.get(jid) is done else None)

    async def _announce_when_connected(self, jid: str) -> None:
        """peer_joined once this room's leg with `jid` carries media (DTMF listens on it, recording taps it)."""
        await asyncio.sleep(0)  # the effects of the same input (ConnectLegs) are performed first
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CONNECT_WAIT
        while loop.time() < deadline:
            conf = self._active()
            if conf is None or jid not in conf.participants:
                return
            if jid not in conf.legs:
                break  # no media with this participant (a listener's, a third-party client)
            media = self.media_of(jid)
            if media is not None:
                try:
                    await asyncio.wait_for(media.connected.wait(), max(0.0, deadline - loop.time()))
                except TimeoutError:
                    log.info("conference leg with %s did not connect: announced without media", jid)
                break
            await asyncio.sleep(POLL)
        peer = self.directory.find(jid)
        if peer is not None:
            self.directory.peer_joined(peer)


def follow_conference(directory: PeerDirectory, conferences: ConferenceManager) -> ConferencePeers:
    """Make the conference a source of the in-meeting features' participants (app.Room)."""
    return ConferencePeers(directory, conferences)
