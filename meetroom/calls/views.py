"""What the API shows of a call: conferenceCreated/getConferences fields and participant entries.

Pure functions, used by the state machine (notifications) and the driver (replies), so every
notification and reply that describes the call agrees.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from meetroom.calls.machine.state import Phase

if TYPE_CHECKING:
    from meetroom.calls.call import Call  # the view reads a Call; call.py needs the machine, which needs views


def device_state(muted: bool) -> int:
    """mic/video of a participant: 1 selected but muted, 2 on (0, no device, never happens here)."""
    return 1 if muted else 2


def conference_fields(conf_id: str, owner: str, peer_id: str) -> dict[str, Any]:
    """conferenceCreated: a point-to-point call has no title or URLs, and is never smart or waiting."""
    return {
        "confId": conf_id,
        "confTitle": "",
        "confType": 0,
        "isSmartMeeting": False,
        "conferenceOwner": owner,
        "joinUrl": "",
        "realTimeConferenceManagmentUrl": "",
        "peerId": peer_id,
        "isWaitingRoomSwitchingSupported": False,
        "isWaitingRoomEnabled": False,
        "isInWaitingRoom": False,
        "maxParticipants": 2,
        "pinned": False,
    }


def conference(call: Call) -> dict[str, Any]:
    """getConferences: the conference fields plus the point-to-point ones (type/direction/peer)."""
    return {
        **conference_fields(call.conf_id, call.owner, call.peer_id),
        "id": call.conf_id,
        "slideShowPresent": False,
        "duration": int(call.duration),
        "autoJoin": False,
        "confState": 1 if call.phase is Phase.ACTIVE else 0,
        "type": "p2p",
        "direction": "outgoing" if call.outgoing else "incoming",
        "peerDn": call.peer_dn,
    }


def _common(peer_id: str, peer_dn: str, mic_muted: bool, video_muted: bool) -> dict[str, Any]:
    return {
        "peerId": peer_id,
        "peerDn": peer_dn,
        "mic": device_state(mic_muted),
        "video": device_state(video_muted),
        "slideShow": False,
        "leaderType": 0,
        "role": 0,
        "broadcast": False,
        "pinned": False,
        "recordingMe": False,
        "recordingByMe": False,
        "isInWaitingRoom": False,
    }


def media_view(media: Any) -> dict[str, Any]:
    """Whether we receive the peer's audio/video, and meetroom's `audioLevel` / `videoFrames`."""
    if media is None:
        return {"audioReceiving": True, "videoReceiving": True}
    return {"audioReceiving": media.receive["audio"], "videoReceiving": media.receive["video"], **media.stats()}


def peer_fields(peer_id: str, peer_dn: str, mutes: Mapping[str, bool], media: Mapping[str, Any]) -> dict[str, Any]:
    """The other party, with `media_view` showing that media arrives."""
    return {**_common(peer_id, peer_dn, mutes["mic"], mutes["video"]), "extraVideo": [], **media}


def peer(call: Call) -> dict[str, Any]:
    return peer_fields(call.peer_id, call.peer_dn, call.remote_mutes, media_view(call.media))


def participants(call: Call, own_id: str, own_name: str, mutes: Mapping[str, bool]) -> dict[str, Any]:
    me = _common(own_id, own_name, mutes["mic"], mutes["video"])
    return {"confId": call.conf_id, "participants": [me, peer(call)]}
