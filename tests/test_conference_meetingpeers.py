"""The conference as a participant source of the in-meeting features, without a network.

Who is listed (full JID, confId, name, the leg's sid) and the camera rule of
requestParticipantCameraControl: the owner or a moderator asks; in role-based conferences only
someone on the podium, in a video lecture only the lecturer, can be asked.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from meetroom.calls.conference.meetingpeers import ConferencePeers
from meetroom.calls.conference.state import Conference, Participant, Phase
from meetroom.calls.peers import PeerDirectory

ROOM = "abc@conference.localhost"
OWNER, SPEAKER, LISTENER = "owner@localhost/o", "speaker@localhost/s", "listener@localhost/l"


def _directory(conf_type: int, *, me_role: str = "moderator", me_affiliation: str = "none") -> PeerDirectory:
    conf = Conference("abc@localhost#vcs", ROOM, "t", conf_type, OWNER, True, 0.0, "me", False)
    conf.phase, conf.role, conf.affiliation = Phase.ACTIVE, me_role, me_affiliation
    conf.participants = {
        OWNER: Participant(OWNER, "o", "Owner", "owner", "moderator", mesh=True),
        SPEAKER: Participant(SPEAKER, "s", "Speaker", "member", "participant", mesh=True),
        LISTENER: Participant(LISTENER, "l", "Listener", "member", "visitor", mesh=True),
        f"{ROOM}/hidden": Participant(f"{ROOM}/hidden", "hidden", "hidden"),
    }
    conferences = SimpleNamespace(machine=SimpleNamespace(conf=conf), topology=None, effect_taps=[])
    directory = PeerDirectory()
    ConferencePeers(directory, conferences)  # type: ignore[arg-type]
    return directory


def test_lists_addressable_participants_with_the_conference():
    directory = _directory(1)
    assert {(p.instance_id, p.conf_id, p.display_name) for p in directory.peers()} == {
        (OWNER, "abc@localhost#vcs", "Owner"),
        (SPEAKER, "abc@localhost#vcs", "Speaker"),
        (LISTENER, "abc@localhost#vcs", "Listener"),
    }
    assert directory.resolve("speaker@localhost").instance_id == SPEAKER


@pytest.mark.parametrize(
    ("conf_type", "me", "target", "refusal"),
    [
        (1, ("participant", "none"), SPEAKER, "owner or a moderator"),
        (1, ("moderator", "none"), LISTENER, ""),
        (3, ("moderator", "none"), LISTENER, "not on the podium"),
        (3, ("moderator", "none"), SPEAKER, ""),
        (3, ("moderator", "owner"), OWNER, ""),
        (2, ("moderator", "none"), SPEAKER, "lecturer"),
        (2, ("moderator", "none"), OWNER, ""),
        (2, ("moderator", "owner"), SPEAKER, ""),
    ],
)
def test_camera_rule(conf_type, me, target, refusal):
    directory = _directory(conf_type, me_role=me[0], me_affiliation=me[1])
    why = directory.camera_refusal(directory.resolve(target))
    assert (refusal in why) if refusal else why == "", why


@pytest.mark.parametrize(
    ("conf_type", "me", "asker", "refused"),
    [
        (1, ("participant", "none"), SPEAKER, True),  # an ordinary participant asks
        (1, ("participant", "none"), OWNER, False),
        (3, ("visitor", "member"), OWNER, True),  # this room is off the podium
        (3, ("participant", "member"), OWNER, False),
        (2, ("participant", "member"), OWNER, False),
    ],
)
def test_asked_room_applies_the_rule_to_requests(conf_type, me, asker, refused):
    directory = _directory(conf_type, me_role=me[0], me_affiliation=me[1])
    assert bool(directory.asker_refusal(directory.resolve(asker))) is refused
