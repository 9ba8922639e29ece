"""Token lifetimes and the brute-force lockout, with a controllable clock."""

from __future__ import annotations

from meetroom.core.access import ADMIN, PASSWORD, PIN, USER, AccessControl
from meetroom.store.db import Store


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(tmp_path, ttl: float = 300.0) -> tuple[AccessControl, Clock]:
    clock = Clock()
    return AccessControl(Store(tmp_path / "db.sqlite3"), http_token_ttl=ttl, clock=clock), clock


def test_http_tokens_expire_after_ttl_unless_pin_protected(tmp_path):
    access, clock = make(tmp_path)
    token = access.issue_http_token(1, ADMIN)
    clock.now += 299
    assert access.http_token_valid(token)
    clock.now += 2
    assert not access.http_token_valid(token)
    access.set_protection(ADMIN, PIN, pin="1234")
    pinned = access.issue_http_token(2, ADMIN)
    clock.now += 10 * 86400
    assert access.http_token_valid(pinned)
    assert not access.http_token_valid("") and not access.http_token_valid(None)


def test_revoking_a_session_voids_its_http_tokens_only(tmp_path):
    access, _ = make(tmp_path)
    mine, other = access.issue_http_token(1, ADMIN), access.issue_http_token(2, USER)
    access.revoke_session(1)
    assert not access.http_token_valid(mine) and access.http_token_valid(other)


def test_connection_token_lifetimes(tmp_path):
    access, clock = make(tmp_path)
    pin_token = access.issue_connection_token(USER, PIN)
    pw_token = access.issue_connection_token(ADMIN, PASSWORD)
    clock.now += 86400 + 1
    assert access.role_for_credentials(pin_token) is None
    assert access.role_for_credentials(pw_token) == (ADMIN, "token")
    inherited = access.issue_connection_token(ADMIN, "token", inherited_from=pw_token)
    clock.now += 29 * 86400
    assert access.role_for_credentials(inherited) is None


def test_protection_persists_and_passwords_are_hashed(tmp_path):
    access, _ = make(tmp_path)
    access.set_protection(ADMIN, PASSWORD, password="hunter22")
    raw = (tmp_path / "db.sqlite3").read_bytes()
    assert b"hunter22" not in raw
    again = AccessControl(Store(tmp_path / "db.sqlite3"))
    assert again.role_for_credentials("hunter22") == (ADMIN, PASSWORD)
    assert again.role_for_credentials("hunter2") is None


def test_pins_compare_case_insensitively(tmp_path):
    access, _ = make(tmp_path)
    access.set_protection(USER, PIN, pin="Ab12")
    assert access.role_for_credentials("aB12") == (USER, PIN)


def test_lockout_grows_and_success_resets(tmp_path):
    access, clock = make(tmp_path)
    for _ in range(4):
        access.record_failure("10.0.0.9")
    assert access.retry_after("10.0.0.9") == 0
    access.record_failure("10.0.0.9")
    assert access.retry_after("10.0.0.9") == 1.0
    access.record_failure("10.0.0.9")
    assert access.retry_after("10.0.0.9") == 2.0
    assert access.retry_after("10.0.0.8") == 0
    clock.now += 2
    assert access.retry_after("10.0.0.9") == 0
    access.record_success("10.0.0.9")
    access.record_failure("10.0.0.9")
    assert access.retry_after("10.0.0.9") == 0
