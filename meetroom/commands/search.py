"""searchContact: find people by part of their id or name.

The search runs over the logged-in account's address book (the XMPP roster with presence).
Standard XMPP servers such as Prosody keep no searchable user directory (XEP-0055 is not in
Prosody's core), so the roster is the directory the room can honestly search.
"""

from __future__ import annotations

from typing import Any

from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.commands.services import Context

commands = CommandTable()
command = commands.command

MAX_RESULTS = 100
MAX_QUERY = 256


@command("searchContact", params={"searchString": ("string", True)})
async def search_contact(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    query = msg["searchString"].strip()
    if not query:
        raise CommandError("'searchString' is empty: give part of a TrueConf ID or name")
    if len(query) > MAX_QUERY:
        raise CommandError(f"'searchString' is longer than {MAX_QUERY} characters")
    net = ctx.services.net
    net.require_session()  # NotConnected is a DomainError: the dispatcher answers it
    needle = query.casefold()
    found = [
        net.contact_entry(jid)
        for jid in sorted(net.contacts)
        if needle in jid.casefold() or needle in net.peer_dn(jid).casefold()
    ]
    # searchingResult names the query the list answers, so a client can match late replies.
    return {"searchingResult": query, "foundContacts": found[:MAX_RESULTS]}
