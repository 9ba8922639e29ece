"""Peer connections for calls: no STUN/TURN, ICE host candidates only on the configured addresses.

Why this module exists
----------------------
aiortc's defaults do not fit a meeting room that must contact no host it was not configured to:

* `RTCConfiguration()` without `iceServers` makes aiortc add Google's public STUN server, so the
  factory always passes an explicit list (empty unless the caller configures servers).
* aioice finds host addresses itself (`aioice.ice.get_host_addresses`, called by
  `Connection.gather_candidates`) from every interface and always leaves 127.0.0.1 out; there is
  no aiortc option to choose them. Tests must run on loopback only and a deployment may want one
  interface, so meetroom supplies the list.

How the address list is applied (a scoped patch)
------------------------------------------------
`aioice.ice.get_host_addresses` is replaced once, process-wide, by a thin wrapper that returns the
list held in a `ContextVar` when one is set and otherwise defers to aioice's original function.
`RoomPeerConnection.setLocalDescription` — the only place aiortc gathers candidates — sets that
variable for the duration of its own call; asyncio tasks copy the context when they are created,
so the gathering tasks aiortc starts inside see the list. Peer connections not made by this
factory, and all other aioice users, keep aioice's behaviour. This avoids touching aiortc's
name-mangled internals or rebuilding aioice's candidate gathering.

Remote addresses are the other way traffic could leave the machine, and the policy covers all
of them (`IcePolicy.allows_remote`):

* signalled candidates: the filter the call code passes to the Jingle→SDP translator and applies
  to trickled ones, so that with loopback-only hosts every connectivity check goes to
  127.0.0.0/8, and mDNS names (`*.local`, which aioice would resolve by multicast) are refused
  unless enabled;
* learnt ones: a connectivity check from an address the policy refuses is dropped unanswered
  before aioice sees it, so aioice never learns it as a peer-reflexive candidate, never pairs it
  and never sends media there. Each aioice `Connection` of our peer connections gets this guard
  on its own `request_received` (the one entry point of incoming checks) before its sockets
  open; other aioice users are untouched.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Sequence
from contextvars import ContextVar

import aioice
import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from meetroom.media.icepolicy import IcePolicy
from meetroom.media.icepolicy import parse_hosts as parse_hosts  # where callers have found it
from meetroom.media.loopshare import take_turns, use_fast_audio_level
from meetroom.media.priority import lower_video_decoders

log = logging.getLogger(__name__)

_scoped_hosts: ContextVar[tuple[str, ...] | None] = ContextVar("meetroom_ice_hosts", default=None)
_aioice_original = None


def _install_scoped_host_list() -> None:
    """Wrap aioice's address discovery once; without a scoped list it behaves exactly as before."""
    global _aioice_original
    if _aioice_original is not None:
        return
    original = aioice.ice.get_host_addresses

    def scoped_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        hosts = _scoped_hosts.get()
        if hosts is None:
            return original(use_ipv4=use_ipv4, use_ipv6=use_ipv6)
        return [h for h in hosts if (use_ipv6 if ipaddress.ip_address(h).version == 6 else use_ipv4)]

    _aioice_original = original
    aioice.ice.get_host_addresses = scoped_host_addresses


def guard_incoming_checks(connection: aioice.Connection, allows: Callable[[str], bool]) -> None:
    """Drop connectivity checks from addresses `allows` refuses, before aioice answers or learns them."""
    if getattr(connection, "_meetroom_guarded", False):
        return
    original = connection.request_received

    def request_received(message: object, addr: tuple[str, int], protocol: object) -> None:
        if not allows(addr[0]):
            log.info("ICE: check from %s:%s refused by the address policy", addr[0], addr[1])
            return
        original(message, addr, protocol)  # type: ignore[arg-type]

    connection.request_received = request_received  # type: ignore[method-assign]
    connection._meetroom_guarded = True  # type: ignore[attr-defined]


class RoomPeerConnection(RTCPeerConnection):
    """An aiortc peer connection whose host candidates come from `policy.hosts` (when given) and
    whose ICE answers and learns only the remote addresses the policy allows."""

    def __init__(self, policy: IcePolicy) -> None:
        super().__init__(RTCConfiguration(iceServers=list(policy.ice_servers)))
        self.policy = policy

    def ice_connections(self) -> list[aioice.Connection]:
        """The aioice connection behind each transceiver's ICE transport (aiortc's `_connection`)."""
        return [t.receiver.transport.transport.iceGatherer._connection for t in self.getTransceivers()]

    def _guard(self) -> None:
        for connection in self.ice_connections():
            guard_incoming_checks(connection, self.policy.allows_remote)
        for transceiver in self.getTransceivers():
            take_turns(transceiver.sender.transport)

    async def setRemoteDescription(self, sessionDescription: RTCSessionDescription) -> None:
        await super().setRemoteDescription(sessionDescription)
        self._guard()  # transceivers an offer adds (their sockets open in setLocalDescription)

    async def setLocalDescription(self, sessionDescription: RTCSessionDescription | None = None) -> None:
        self._guard()  # before the sockets open: no check is ever answered unguarded
        if not self.policy.hosts:
            await super().setLocalDescription(sessionDescription)
            return
        token = _scoped_hosts.set(self.policy.hosts)
        try:
            await super().setLocalDescription(sessionDescription)
        finally:
            _scoped_hosts.reset(token)


def create_peer_connection(hosts: Sequence[str] = (), *, policy: IcePolicy | None = None) -> RoomPeerConnection:
    """The factory calls use: `create_peer_connection(["127.0.0.1"])` in tests."""
    _install_scoped_host_list()
    lower_video_decoders()  # decoding a picture waits for a control panel's request
    use_fast_audio_level()
    return RoomPeerConnection(policy or IcePolicy(hosts=tuple(hosts)))
