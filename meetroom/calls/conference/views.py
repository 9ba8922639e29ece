"""What the API shows of a conference: conferenceCreated / getConferences fields, participant entries.

Pure functions used by the machine (notifications) and the driver (replies), so that every
notification and reply describing the conference agrees. `leaderType`: 2 owner, 1 moderator,
0 anyone else; `role` (role-based conferences only): 2 owner, 1 ordinary; `broadcast` (role-based
only): the participant has voice, i.e. is on the podium.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meetroom.calls import views
from meetroom.calls.conference.state import Conference, Participant

ROLE_BASED = 3
NO_MUTES = {"mic": False, "video": False}
RECEIVING = {"audioReceiving": True, "videoReceiving": True}


def conference_fields(conf: Conference, max_participants: int) -> dict[str, Any]:
    """conferenceCreated: every documented field; no web links; a members-only room is the waiting room."""
    fields: dict[str, Any] = {
        "confId": conf.conf_id,
        "confTitle": conf.title,
        "confType": conf.conf_type,
        "isSmartMeeting": conf.smart,
        "conferenceOwner": conf.owner,
        "joinUrl": "",
        "realTimeConferenceManagmentUrl": "",
        "peerId": "",
        "isWaitingRoomSwitchingSupported": conf.is_owner or conf.is_moderator,
        "isWaitingRoomEnabled": not conf.auto_accept,
        "isInWaitingRoom": False,
        "maxParticipants": max_participants,
        "maxParticipantsOnPodium": (conf.casters or max_participants) if conf.conf_type == ROLE_BASED else 0,
        "pinned": False,
    }
    return fields


def conference(conf: Conference, max_participants: int, now: float) -> dict[str, Any]:
    """getConferences: the conference fields plus the running state."""
    return {
        **conference_fields(conf, max_participants),
        "id": conf.conf_id,
        "slideShowPresent": False,
        "duration": int(max(0.0, now - conf.created)),
        "autoJoin": conf.auto_accept,
        "confState": 1,
        "type": "multipoint",
        "direction": "outgoing" if conf.created_here else "incoming",
        "peerDn": conf.title,
    }


def _ranks(conf: Conference, affiliation: str, role: str) -> dict[str, Any]:
    owner = affiliation == "owner"
    role_based = conf.conf_type == ROLE_BASED
    return {
        "leaderType": 2 if owner else 1 if role == "moderator" else 0,
        "role": (2 if owner else 1) if role_based else 0,
        "broadcast": role_based and role in ("participant", "moderator"),
    }


def participant(
    conf: Conference, who: Participant, mutes: Mapping[str, bool] = NO_MUTES, media: Mapping[str, Any] = RECEIVING
) -> dict[str, Any]:
    fields = {**views.peer_fields(who.jid, who.dn, mutes, media), **_ranks(conf, who.affiliation, who.role)}
    return {**fields, "reaction": who.reaction, "pinned": conf.pinned == who.jid}


def joined(conf: Conference, who: Participant) -> dict[str, Any]:
    """newParticipantInConference."""
    return {**participant(conf, who), "extraVideo": 0, "confId": conf.conf_id}


def me(conf: Conference, own_id: str, own_name: str, mutes: Mapping[str, bool]) -> dict[str, Any]:
    own = {"mic": mutes.get("mic", False), "video": mutes.get("video", False)}
    fields = {**views.peer_fields(own_id, own_name, own, {}), **_ranks(conf, conf.affiliation, conf.role)}
    return {**fields, "reaction": conf.reaction}
