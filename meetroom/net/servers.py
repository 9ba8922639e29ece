"""The TrueConf server's default port and how a remembered server is written in the server lists.

Kept apart from the network service so the network commands can name them without loading the
XMPP stack.
"""

from __future__ import annotations

from typing import Any

DEFAULT_PORT = 4307


def server_text(entry: dict[str, Any]) -> str:
    """A remembered server as the server lists show it: the port only when not the default."""
    return entry["server"] if entry["port"] == DEFAULT_PORT else f"{entry['server']}:{entry['port']}"
