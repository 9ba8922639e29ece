"""Token lifetimes and the brute-force lockout, with a controllable clock."""

from __future__ import annotations

import pytest

from meetroom.core.access import ADMIN, PASSWORD, PIN, USER, AccessControl, FailureBudget, ProtectionError
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


def test_failure_budget_bounds_guesses_from_any_number_of_sources(tmp_path):
    clock = Clock()
    access = AccessControl(Store(tmp_path / "db.sqlite3"), clock=clock, budget_limits=lambda: (20, 12))
    checked = 0
    for i in range(10_000):  # a new address for every guess: the per-address lockout never bites
        if access.retry_after(f"10.0.{i // 250}.{i % 250}") == 0 and access.budget_wait() == 0:
            checked += 1
            access.record_failure(f"10.0.{i // 250}.{i % 250}")
        clock.now += 0.01
    assert checked == 20  # in 100 s the allowance regained 12/36 of a guess
    assert access.budget_wait() == pytest.approx(300 * (1 - access.budget.level()), rel=1e-6)
    clock.now += 300  # 12 per hour: one more every 5 minutes
    assert access.budget_wait() == 0
    report = access.attack_report()
    assert report["underAttack"] is True and report["failedLastHour"] == 20
    assert len(access._failures) <= 10_000  # failure records stay bounded


def test_failure_budget_maths_makes_a_4_digit_pin_take_days():
    clock = Clock()
    budget = FailureBudget(clock, lambda: (20, 12))
    allowed, hours = 0, 0
    while allowed < 5000:  # half of 10^4: the expected number of guesses
        while budget.wait() == 0:
            budget.spend()
            allowed += 1
        clock.now += budget.wait()
        hours = (clock.now - 1000.0) / 3600
    assert hours > 14 * 24, hours  # about 17 days at the defaults
    assert budget.exhausted_since is not None


def test_failure_budget_refills_and_reports_when_the_attack_ends():
    clock = Clock()
    budget = FailureBudget(clock, lambda: (3, 3600))  # one per second
    assert [budget.spend() for _ in range(3)] == [False, False, True]  # the third empties it: reported once
    assert budget.wait() == pytest.approx(1.0)
    clock.now += 1
    assert budget.wait() == 0 and budget.exhausted_since is None


async def test_tokens_are_recognised_without_hashing_and_passwords_hash_off_the_loop(tmp_path, monkeypatch):
    import threading

    from meetroom.core import access as access_module

    access, _ = make(tmp_path)
    access.set_protection(ADMIN, PASSWORD, password="hunter22")
    token = access.issue_connection_token(ADMIN, PASSWORD)
    threads = []
    real_hash = access_module._hash_password

    def spy(password: str, salt: str) -> str:
        threads.append(threading.current_thread().name)
        return real_hash(password, salt)

    monkeypatch.setattr(access_module, "_hash_password", spy)
    assert await access.check_credentials(token) == (ADMIN, "token")
    assert threads == []  # a token never costs a password hash
    assert token not in access._connection_tokens  # kept by digest only
    assert await access.check_credentials("hunter22") == (ADMIN, PASSWORD)
    assert await access.check_credentials("hunter2") is None
    assert threads and all(name.startswith("password-hash") for name in threads)
    assert threading.main_thread().name not in threads


def test_protection_rules_refuse_before_anything_changes(tmp_path):
    access, _ = make(tmp_path)
    refused = [
        (("guest", PIN), "userType"),
        ((ADMIN, "retina"), "authType"),
        ((USER, PIN), "protect administrator mode first"),
        ((ADMIN, PASSWORD, "abc"), "4 to 256"),
        ((ADMIN, PASSWORD, None), "4 to 256"),
        ((ADMIN, PIN, None, "12 4"), "newPin"),
        ((ADMIN, PIN, None, "123"), "newPin"),
    ]
    for args, text in refused:
        with pytest.raises(ProtectionError, match=text):
            access.check_protection(*args)
    assert access.unsecured(ADMIN) and access.unsecured(USER)
    access.check_protection(ADMIN, PIN, None, "Ab12")
    access.set_protection(ADMIN, PIN, pin="Ab12")
    access.check_protection(USER, PIN)  # allowed once the administrator mode is protected
