"""Address facts the room's security rules rest on, decided in one place."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Whether a peer address is this machine (IPv4 127/8, ::1, and IPv4-mapped 127/8)."""
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback
