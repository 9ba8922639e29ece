"""PeerId → CallId → InstanceId parsing and normalisation (meetroom/ids.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meetroom import ids


def test_peer_id_gets_the_logged_in_domain():
    assert ids.call_id("Alice", "Example.org") == "alice@example.org"


def test_call_id_is_kept_and_lowercased():
    assert ids.call_id("Bob@Meet.Test", "localhost") == "bob@meet.test"


def test_instance_id_reduces_to_its_call_id_but_keeps_the_instance_when_asked():
    assert ids.call_id("bob@meet.test/Desk-1", "x") == "bob@meet.test"
    assert ids.instance_or_call_id("bob@meet.test/Desk-1", "x") == "bob@meet.test/Desk-1"
    assert ids.instance_or_call_id("bob", "meet.test") == "bob@meet.test"


def test_parse_splits_all_three_parts():
    address = ids.parse(" carol@srv/inst ")
    assert (address.user, address.server, address.instance) == ("carol", "srv", "inst")
    assert address.is_instance and address.call_id == "carol@srv" and address.instance_id == "carol@srv/inst"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "@srv", "a@", "a@.", "a@x..y", "a b@srv", "a@srv/", "a<b", "a@s'rv", "x" * 1024 + "@srv"],
)
def test_invalid_ids_are_refused_with_a_reason(text):
    with pytest.raises(ids.IdError) as info:
        ids.parse(text)
    assert str(info.value)


def test_peer_id_without_domain_needs_a_login():
    with pytest.raises(ids.IdError, match="not logged in"):
        ids.call_id("alice", "")


def test_same_account_ignores_case_and_instance():
    assert ids.same_account("Alice@Srv/one", "alice@srv")
    assert not ids.same_account("alice@srv", "alice@other")


_user = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=20)
_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_domain = st.lists(_label, min_size=1, max_size=3).map(".".join)


@given(user=_user, domain=_domain, instance=_user)
def test_normalising_is_idempotent(user, domain, instance):
    once = ids.instance_or_call_id(f"{user.upper()}@{domain}/{instance}", "fallback")
    assert ids.instance_or_call_id(once, "fallback") == once
    assert ids.call_id(once, "fallback") == f"{user.lower()}@{domain.lower()}"
