"""Binding listening sockets, with the product's nearest-free-port rule for default ports."""

from __future__ import annotations

import errno
import socket

FALLBACK_RANGE = 200


class PortUnavailable(OSError):
    """A fixed port could not be bound; the room must not start."""


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(1024)  # a burst of connections waits in the kernel instead of retrying SYNs
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def bind_port(host: str, port: int, *, fixed: bool, avoid: frozenset[int] = frozenset()) -> socket.socket:
    """Bind `port`, or when it is only a default, the nearest free port above it."""
    if fixed:
        try:
            return _bind(host, port)
        except OSError as exc:
            raise PortUnavailable(
                exc.errno or errno.EADDRINUSE, f"cannot listen on {host}:{port}: {exc.strerror}"
            ) from exc
    last_error: OSError | None = None
    for candidate in range(port, min(port + FALLBACK_RANGE, 65536)):
        if candidate in avoid:
            continue
        try:
            return _bind(host, candidate)
        except OSError as exc:
            last_error = exc
    raise PortUnavailable(errno.EADDRINUSE, f"no free port in {port}..{port + FALLBACK_RANGE}: {last_error}")
