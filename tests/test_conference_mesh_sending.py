"""The mesh's sending rules, in-process: which shared-stream outlets of a leg are on, and the upload
share of the legs that send (given again only when it changes: a new ceiling may rebuild the
shared encoder with a key frame)."""

from __future__ import annotations

from dataclasses import dataclass, field

from meetroom.calls.conference import mesh
from meetroom.calls.conference.state import LegSpec


class Media:
    def on_mute_change(self, hook: object) -> None:
        pass


class Settings:
    def __init__(self, upload: int) -> None:
        self.upload = upload

    def get(self, name: str) -> int:
        assert name == "outputBandWidth"
        return self.upload


@dataclass
class Outlet:
    kind: str
    enabled: bool = True

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled


@dataclass
class PeerConnection:
    def getTransceivers(self) -> list:  # aiortc's name
        return []


@dataclass
class LegMedia:
    shares: list[int] = field(default_factory=list)
    pc: PeerConnection = field(default_factory=PeerConnection)

    def set_output_bandwidth(self, kbps: int) -> None:
        self.shares.append(kbps)


def topology_with(legs: dict[str, mesh.Leg], upload: int = 3000) -> mesh.MeshTopology:
    topology = mesh.MeshTopology(Media(), Settings(upload), None, lambda: "", lambda: None)  # type: ignore[arg-type]
    topology.legs = legs
    for leg in legs.values():
        leg.media = LegMedia()  # type: ignore[assignment]
        leg.outlets = (Outlet("audio"), Outlet("video"))  # type: ignore[assignment]
    return topology


def test_the_upload_is_shared_by_the_legs_that_send_and_given_only_when_it_changes():
    legs = {peer: mesh.Leg(peer, True) for peer in ("b", "c", "d")}
    topology = topology_with(legs)
    topology._share_upload()
    topology._share_upload()  # nothing changed: no new ceiling, so no rebuild of the encoder
    assert [leg.media.shares for leg in legs.values()] == [[1000], [1000], [1000]]
    # d's participant is now a listener we only listen to: two legs carry the stream
    topology.update([LegSpec("d", True, send=False)])
    assert [leg.media.shares for leg in legs.values()] == [[1000, 1500], [1000, 1500], [1000, 1500]]
    topology.update([LegSpec("d", True, send=False, send_audio=True)])  # its audio goes out again
    assert legs["b"].media.shares[-1] == 1000


def test_a_leg_s_outlets_follow_what_it_sends():
    legs = {"b": mesh.Leg("b", True)}
    topology_with(legs)
    leg = legs["b"]
    audio, video = leg.outlets
    mesh._apply_sending(leg)
    assert audio.enabled and video.enabled
    leg.send = False  # off the podium
    mesh._apply_sending(leg)
    assert not audio.enabled and not video.enabled
    leg.send_audio = True  # a smart meeting's listener: its voice still goes to the owner
    mesh._apply_sending(leg)
    assert audio.enabled and not video.enabled
