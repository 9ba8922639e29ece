"""TrueConf identifiers and their XMPP forms, parsed and normalised in one place.

PeerId `user` → CallId `user@server` (a bare JID, server = the logged-in domain when missing) →
InstanceId `user@server/INSTANCE` (a full JID). The API accepts any of the three wherever a peer
is named; the network needs a bare or full JID, lowercased the way XMPP servers fold case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Characters a JID localpart may not hold (RFC 7622) plus whitespace; meetroom refuses them
# instead of escaping, so that an ID typed by a person maps to exactly one account.
_BAD_LOCAL = re.compile(r"[\s\"&'/:<>@]")
_BAD_DOMAIN = re.compile(r"[\s\"&'/:<>@\\]")
MAX_PART = 1023


class IdError(ValueError):
    """A text that is no valid PeerId, CallId or InstanceId; the message says why."""


@dataclass(frozen=True)
class PeerAddress:
    """One peer: `user`, `server` (may be empty for a bare PeerId) and `instance` (may be empty)."""

    user: str
    server: str = ""
    instance: str = ""

    @property
    def call_id(self) -> str:
        return f"{self.user}@{self.server}" if self.server else self.user

    @property
    def instance_id(self) -> str:
        return f"{self.call_id}/{self.instance}" if self.instance else self.call_id

    @property
    def is_instance(self) -> bool:
        return bool(self.instance)


def parse(text: str) -> PeerAddress:
    """Split and check a PeerId, CallId or InstanceId; user and server are lowercased."""
    if not isinstance(text, str):
        raise IdError("an ID must be a string")
    text = text.strip()
    if not text:
        raise IdError("the ID is empty")
    bare, _, instance = text.partition("/")
    user, at, server = bare.partition("@")
    if not user:
        raise IdError(f"'{text}' has no user part")
    if at and not server:
        raise IdError(f"'{text}' has no server after '@'")
    if _BAD_LOCAL.search(user):
        raise IdError(f"'{user}' holds a character an ID may not contain")
    server = server.lower().rstrip(".")
    if at and (not server or server.startswith(".") or ".." in server or _BAD_DOMAIN.search(server)):
        raise IdError(f"'{text}' does not name a valid server")
    if "/" in text and not instance:
        raise IdError(f"'{text}' has an empty instance after '/'")
    for part in (user, server, instance):
        if len(part) > MAX_PART:
            raise IdError("an ID part is longer than 1023 characters")
    return PeerAddress(user.lower(), server, instance)


def call_id(text: str, domain: str) -> str:
    """The CallId (bare JID) for any form of ID; a bare PeerId gets `domain` appended."""
    address = parse(text)
    if not address.server:
        if not domain:
            raise IdError(f"'{text}' has no server part and the room is not logged in to a server")
        address = PeerAddress(address.user, domain.lower())
    return address.call_id


def instance_or_call_id(text: str, domain: str) -> str:
    """The full JID when an instance was named, else the CallId."""
    address = parse(text)
    server = address.server or domain.lower()
    if not server:
        raise IdError(f"'{text}' has no server part and the room is not logged in to a server")
    return PeerAddress(address.user, server, address.instance).instance_id


def same_account(a: str, b: str) -> bool:
    """Whether two IDs name the same account (instances ignored)."""
    return parse(a).call_id == parse(b).call_id
