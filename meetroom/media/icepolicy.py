"""Which addresses ICE may use: the policy calls follow, known without loading aiortc.

`meetroom run --ice-host` is checked with it at start, before any call loads the media stack;
meetroom.media.rtc applies it to aiortc's peer connections.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiortc import RTCIceServer


@dataclass(frozen=True)
class IcePolicy:
    """Which local addresses ICE may use and which remote candidates the call code accepts.

    `hosts` empty means "let aioice discover the interfaces" (it skips loopback); `ice_servers`
    stays empty by default, so nothing outside the peer is ever contacted.
    """

    hosts: tuple[str, ...] = ()
    ice_servers: tuple[RTCIceServer, ...] = field(default_factory=tuple)
    allow_mdns: bool = False

    def __post_init__(self) -> None:
        for host in self.hosts:
            try:
                ipaddress.ip_address(host)
            except ValueError:
                raise ValueError(f"ICE host must be an IP address, got {host!r}") from None

    @property
    def loopback_only(self) -> bool:
        return bool(self.hosts) and all(ipaddress.ip_address(h).is_loopback for h in self.hosts)

    def allows_remote(self, address: str) -> bool:
        """Keep a remote candidate? Loopback-only rooms accept only loopback peers."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return self.allow_mdns and not self.loopback_only and address.endswith(".local")
        return ip.is_loopback if self.loopback_only else not ip.is_unspecified


def parse_hosts(text: str) -> tuple[str, ...]:
    """A setting's text (addresses separated by commas or spaces) → the tuple IcePolicy takes.

    Raises ValueError naming the first entry that is not an IP address.
    """
    hosts = tuple(part for part in text.replace(",", " ").split() if part)
    IcePolicy(hosts=hosts)  # validates
    return hosts
