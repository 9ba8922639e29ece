"""Changes to the address book asked of the server: contacts, groups, the block list, details.

The roster itself arrives through `NetworkService.roster_pushed`, which announces what the
server changed; this service asks for the changes, keeps the room's own group bookkeeping and
announces what only it knows (groups created, removed or renamed, a contact's details).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from slixmpp.exceptions import IqError, IqTimeout

from meetroom.core.events import Events
from meetroom.net.errors import NetworkError, ServerRefused
from meetroom.net.service import NetworkService
from meetroom.net.xmpp import RosterItem, XmppSession

T = TypeVar("T")
MAX_GROUP_NAME = 256


async def ask(request: Awaitable[T]) -> T:
    """Await one request to the server; a refusal or no answer becomes a clear ServerRefused."""
    try:
        return await request
    except IqError as exc:
        raise ServerRefused(f"the server refused: {exc.condition} {exc.text}".strip()) from None
    except IqTimeout:
        raise ServerRefused("the server did not answer in time") from None


class AddressBook:
    def __init__(self, net: NetworkService, events: Events) -> None:
        self.net = net
        self.events = events

    # --- helpers ----------------------------------------------------------------------
    def _session(self) -> XmppSession:
        return self.net.require_session()

    def _contact(self, peer: str) -> RosterItem:
        item = self.net.contacts.get(peer)
        if item is None:
            raise NetworkError(f"'{peer}' is not in the address book")
        return item

    def _group(self, group_id: int) -> str:
        name = self.net.find_group(group_id)
        if name is None:
            raise NetworkError(f"there is no group with groupId {group_id}")
        return name

    def _group_entry(self, name: str) -> dict[str, Any]:
        net = self.net
        for group in net.group_list():
            if group["name"] == name:
                return group
        return {"groupId": net.groups.group_id(net.account_id, name), "name": name, "users": []}

    async def _set_groups(self, session: XmppSession, peer: str, groups: tuple[str, ...]) -> None:
        await ask(session.roster_set(peer, self.net.contacts[peer].name, groups))

    @staticmethod
    def _check_group_name(name: str) -> None:
        if not name or len(name) > MAX_GROUP_NAME:
            raise NetworkError(f"a group name must have 1..{MAX_GROUP_NAME} characters")

    def _taken(self, name: str) -> bool:
        return name in {g["name"] for g in self.net.group_list()}

    # --- contacts ---------------------------------------------------------------------
    async def add_contact(self, peer_text: str, name: str) -> str:
        """addToAbook: add (or rename) a contact and ask for its presence; returns its CallId."""
        session = self._session()
        net = self.net
        peer = net.to_call_id(peer_text)
        if peer == net.account_id:
            raise NetworkError("the room's own account cannot be its contact")
        existing = net.contacts.get(peer)
        name = name or (existing.name if existing else "")
        await ask(session.roster_set(peer, name, existing.groups if existing else ()))
        session.subscribe(peer)
        return peer

    async def remove_contact(self, peer_text: str) -> None:
        session = self._session()
        peer = self.net.to_call_id(peer_text)
        self._contact(peer)
        await ask(session.roster_remove(peer))

    async def rename_contact(self, peer_text: str, name: str) -> None:
        session = self._session()
        peer = self.net.to_call_id(peer_text)
        item = self._contact(peer)
        if not name:
            raise NetworkError("'peerDn' is empty")
        await ask(session.roster_set(peer, name, item.groups))

    # --- groups -----------------------------------------------------------------------
    def groups(self) -> list[dict[str, Any]]:
        return self.net.group_list() if self.net.logged_in else []

    def create_group(self, name: str) -> int:
        """createGroup: an empty group, kept by the room until a contact joins it."""
        self._session()
        net = self.net
        self._check_group_name(name)
        if self._taken(name):
            raise NetworkError(f"a group named '{name}' already exists")
        group_id = net.groups.add_empty(net.account_id, name)
        self.events.publish("groupsAdded", {"groups": [{"groupId": group_id, "name": name, "users": []}]})
        return group_id

    async def remove_group(self, group_id: int) -> None:
        """removeGroup: every member leaves it first, then the group is forgotten."""
        session = self._session()
        net = self.net
        name = self._group(group_id)
        entry = self._group_entry(name)
        for user in entry["users"]:
            item = net.contacts[user["peerId"]]
            await self._set_groups(session, user["peerId"], tuple(g for g in item.groups if g != name))
        net.groups.forget(net.account_id, name)
        self.events.publish("groupsRemoved", {"groups": [entry]})

    async def rename_group(self, group_id: int, new: str) -> None:
        session = self._session()
        net = self.net
        old = self._group(group_id)
        self._check_group_name(new)
        if new != old and self._taken(new):
            raise NetworkError(f"a group named '{new}' already exists")
        members = [u["peerId"] for u in self._group_entry(old)["users"]]
        net.groups.rename(net.account_id, old, new)
        for peer in members:
            item = net.contacts[peer]
            await self._set_groups(session, peer, tuple(new if g == old else g for g in item.groups))
        self.events.publish("groupsRenamed", {"groups": [{"groupId": group_id, "name": new, "oldName": old}]})

    async def add_to_group(self, group_id: int, peer_text: str) -> None:
        session = self._session()
        name = self._group(group_id)
        peer = self.net.to_call_id(peer_text)
        item = self._contact(peer)
        if name in item.groups:
            raise NetworkError(f"'{peer}' is already in group '{name}'")
        await self._set_groups(session, peer, (*item.groups, name))

    async def remove_from_group(self, group_id: int, peer_text: str) -> None:
        session = self._session()
        net = self.net
        name = self._group(group_id)
        peer = net.to_call_id(peer_text)
        item = self._contact(peer)
        if name not in item.groups:
            raise NetworkError(f"'{peer}' is not in group '{name}'")
        if len(item.groups) == 1:
            net.groups.add_empty(net.account_id, name)  # the group stays when its last member leaves
        await self._set_groups(session, peer, tuple(g for g in item.groups if g != name))

    # --- block list -------------------------------------------------------------------
    async def block(self, peer_text: str) -> str:
        session = self._session()
        peer = self.net.to_call_id(peer_text)
        if peer == self.net.account_id:
            raise NetworkError("the room cannot block its own account")
        await ask(session.block(peer))
        return peer

    async def unblock(self, peer_text: str) -> str:
        session = self._session()
        peer = self.net.to_call_id(peer_text)
        if peer not in session.blocked:
            raise NetworkError(f"'{peer}' is not blocked")
        await ask(session.unblock(peer))
        return peer

    async def ban_list(self) -> list[dict[str, str]]:
        session = self._session()
        jids = await ask(session.blocklist())
        return [{"peerId": jid, "peerDn": self.net.peer_dn(jid)} for jid in jids]

    # --- details ----------------------------------------------------------------------
    def fetch_details(self, peer_text: str) -> None:
        """getContactDetails: the vCard is asked for in the background and sent as detailsInfo."""
        session = self._session()
        net = self.net
        peer = net.to_call_id(peer_text)

        async def fetch() -> None:
            try:
                card = await session.vcard(peer if peer != net.account_id else None)
            except (IqError, IqTimeout, asyncio.CancelledError):
                card = {}
            self.events.publish(
                "detailsInfo",
                {
                    "peerId": peer,
                    "peerDn": net.peer_dn(peer) if peer in net.contacts else (card.get("fn") or peer.split("@")[0]),
                    "firstName": card.get("given", ""),
                    "lastName": card.get("family", ""),
                    "mobilePhone": card.get("mobile", ""),
                    "workPhone": card.get("work", ""),
                    "homePhone": card.get("home", ""),
                    "company": card.get("company", ""),
                    "isEditable": peer == net.account_id,
                },
            )

        net.spawn(fetch())

    async def display_name(self, peer_text: str) -> dict[str, str]:
        """getDisplayNameById: own name, the roster's name, the vCard's, or the user part."""
        net = self.net
        peer = net.to_call_id(peer_text)
        if peer == net.account_id:
            return {"peerId": peer, "peerDn": net.display_name}
        item = net.contacts.get(peer)
        if item is not None and item.name:
            return {"peerId": peer, "peerDn": item.name}
        if net.logged_in and net.session is not None:
            try:
                card = await asyncio.wait_for(net.session.vcard(peer), 5.0)
            except (IqError, IqTimeout, TimeoutError):
                card = {}
            if card.get("fn") or card.get("nickname"):
                return {"peerId": peer, "peerDn": card.get("fn") or card.get("nickname")}
        return {"peerId": peer, "peerDn": peer.split("@")[0]}
