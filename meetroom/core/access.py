"""Who may control the room: protection per control mode, tokens and brute-force slow-down.

Passwords are stored as scrypt hashes (the hashing runs off the event loop: `check_credentials`).
PINs are kept readable because the room itself shows the user PIN on its screen and getAuthInfo
reports it to the administrator. Issued tokens are random; they are kept by their SHA-256 digest
and recognised without any password hash.

Guessing is slowed twice: per source (a few free failures, then a lockout that doubles) and
room-wide by a failure budget (`FailureBudget`, a token bucket), so that many addresses together
get no more guesses than the budget allows.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import string
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from meetroom.core.errors import DomainError
from meetroom.store.db import Store

ADMIN = "admin"
USER = "user"
MODES = (ADMIN, USER)
UNSECURED, PASSWORD, PIN, TOKEN = "unsecured", "password", "pin", "token"
PROTECTIONS = (UNSECURED, PASSWORD, PIN)

NS = "access"
DAY = 86400.0
CONNECTION_TOKEN_LIFETIME = {UNSECURED: 30 * DAY, PASSWORD: 30 * DAY, PIN: DAY}
MAX_HTTP_TOKENS = 2000
FAILURES_BEFORE_LOCKOUT = 5
MAX_LOCKOUT_SECONDS = 60.0
FAILURE_MEMORY_SECONDS = 3600.0  # a source's failures are forgotten after an hour without one
MAX_SOURCES = 10_000  # failure records kept (rotating addresses cannot grow memory)
DEFAULT_BUDGET = 20  # failures the whole room allows at once...
DEFAULT_BUDGET_PER_HOUR = 12.0  # ...and regains per hour: a 4-digit PIN takes weeks to find
PIN_ALPHABET = string.digits

log = logging.getLogger(__name__)
# scrypt takes ~30 ms of CPU; one worker keeps it off the event loop and keeps a flood from
# taking more than one core.
_HASHING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="password-hash")


class ProtectionError(DomainError):
    """A protection that breaks the rules of setAuthParams."""


@dataclass
class Protection:
    kind: str = UNSECURED
    pin: str | None = None
    password_hash: str | None = None
    salt: str | None = None

    def matches(self, credentials: str) -> bool:
        if self.kind == PIN:
            return self.matches_pin(credentials)
        if self.kind == PASSWORD and self.password_hash and self.salt:
            return hmac.compare_digest(self.password_hash, _hash_password(credentials, self.salt))
        return False

    def matches_pin(self, credentials: str) -> bool:
        if self.kind != PIN or not self.pin:
            return False
        expected = self.pin.casefold().encode("utf-8", "surrogatepass")
        return hmac.compare_digest(expected, credentials.casefold().encode("utf-8", "surrogatepass"))


@dataclass
class ConnectionToken:
    role: str
    kind: str  # protection that issued it
    expires: float


@dataclass
class HttpToken:
    session_id: int
    role: str
    expires: float


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0
    last: float = 0.0


@dataclass
class FailureBudget:
    """The room-wide allowance of failed credential checks: a token bucket.

    `capacity` failures may happen at once; the allowance refills at `per_hour`. While it is
    empty, credentials from anybody but the room itself are refused without being checked, so the
    number of guesses over any time t is at most capacity + per_hour * t, from any number of
    addresses. `limits` gives (capacity, per_hour) and is read at every use (settings).
    """

    clock: Callable[[], float]
    limits: Callable[[], tuple[float, float]] = lambda: (DEFAULT_BUDGET, DEFAULT_BUDGET_PER_HOUR)
    _level: float | None = None
    _updated: float = 0.0
    exhausted_since: float | None = None  # clock time the allowance last ran out (None: not now)
    last_exhausted: float | None = None  # the same, kept after it refilled (for the owner's report)

    def _refill(self) -> tuple[float, float]:
        capacity, per_hour = self.limits()
        capacity, rate = max(1.0, float(capacity)), max(0.0, float(per_hour)) / 3600.0
        now = self.clock()
        if self._level is None:
            self._level = capacity
        else:
            self._level = min(capacity, self._level + (now - self._updated) * rate)
        self._updated = now
        if self._level >= 1 and self.exhausted_since is not None:
            self.exhausted_since = None
        return capacity, rate

    def level(self) -> float:
        self._refill()
        return float(self._level or 0.0)

    def wait(self) -> float:
        """Seconds until one more failure is allowed (0 when it is allowed now)."""
        _, rate = self._refill()
        level = float(self._level or 0.0)
        if level >= 1:
            return 0.0
        return (1 - level) / rate if rate > 0 else float("inf")

    def spend(self) -> bool:
        """Count one failure; True when this one emptied the allowance."""
        self._refill()
        self._level = max(0.0, float(self._level or 0.0) - 1)
        if self._level < 1 and self.exhausted_since is None:
            self.exhausted_since = self.last_exhausted = self.clock()
            return True
        return False


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _hash_password(password: str, salt: str) -> str:
    return hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1).hex()


def _token(prefix: int) -> str:
    alnum = string.ascii_letters + string.digits
    middle = "".join(secrets.choice(alnum) for _ in range(16))
    return f"{prefix}*{middle}*{secrets.randbelow(10**8):08d}*{secrets.token_hex(32).upper()}"


def password_protection(password: str) -> Protection:
    salt = secrets.token_hex(16)
    return Protection(PASSWORD, password_hash=_hash_password(password, salt), salt=salt)


async def hash_new_password(password: str) -> Protection:
    """password_protection on the hashing thread."""
    return await asyncio.get_running_loop().run_in_executor(_HASHING, password_protection, password)


def generate_pin(length: int = 6) -> str:
    return "".join(secrets.choice(PIN_ALPHABET) for _ in range(length))


@dataclass
class AccessControl:
    store: Store
    http_token_ttl: float = 300.0
    clock: Callable[[], float] = time.monotonic
    budget_limits: Callable[[], tuple[float, float]] = lambda: (DEFAULT_BUDGET, DEFAULT_BUDGET_PER_HOUR)
    protections: dict[str, Protection] = field(default_factory=dict)
    _connection_tokens: dict[str, ConnectionToken] = field(default_factory=dict)  # by SHA-256 of the token
    _http_tokens: dict[str, HttpToken] = field(default_factory=dict)  # by SHA-256 of the token
    _failures: OrderedDict[str, _Failures] = field(default_factory=OrderedDict)
    overlay_token: str = field(default_factory=lambda: _token(4))  # getOverlayHttpToken; lives until rotated
    budget: FailureBudget = field(init=False)
    _recent: deque[tuple[float, str]] = field(default_factory=lambda: deque(maxlen=10_000))  # (time, source)
    _refused: deque[float] = field(default_factory=lambda: deque(maxlen=10_000))
    wall_clock: Callable[[], float] = time.time
    failures_total: int = 0  # failed credential checks since start (/metrics)
    refused_total: int = 0  # attempts refused unchecked while the budget was spent (/metrics)

    def __post_init__(self) -> None:
        for mode in MODES:
            saved = self.store.get(NS, mode)
            self.protections[mode] = Protection(**saved) if saved else Protection()
        self.budget = FailureBudget(self.clock, self.budget_limits)

    # --- protection -------------------------------------------------------------------
    def check_protection(self, mode: str, kind: str, password: Any = None, pin: Any = None) -> None:
        """The rules a new protection must meet, before any hashing is spent on it."""
        if mode not in MODES:
            raise ProtectionError("userType must be 'admin' or 'user'")
        if kind not in PROTECTIONS:
            raise ProtectionError("authType must be 'password', 'pin' or 'unsecured'")
        if mode == USER and kind != UNSECURED and self.unsecured(ADMIN):
            raise ProtectionError("protect administrator mode first: user protection needs administrator protection")
        if kind == PASSWORD and (not isinstance(password, str) or not 4 <= len(password) <= 256):
            raise ProtectionError("a password of 4 to 256 characters is required")
        if pin is not None and (not isinstance(pin, str) or not pin.isalnum() or not 4 <= len(pin) <= 32):
            raise ProtectionError("newPin must be 4 to 32 letters or digits")

    def protection(self, mode: str) -> Protection:
        return self.protections[mode]

    def set_protection(
        self,
        mode: str,
        kind: str,
        *,
        password: str | None = None,
        pin: str | None = None,
        persist: bool = True,
        prepared: Protection | None = None,
    ) -> Protection:
        """`prepared`: a password protection hashed beforehand (off the loop, `hash_new_password`)."""
        if kind == PASSWORD and prepared is not None and prepared.kind == PASSWORD:
            new = prepared
        elif kind == PASSWORD:
            if not password:
                raise ProtectionError("a password is required for password protection")
            new = password_protection(password)
        elif kind == PIN:
            new = Protection(PIN, pin=pin or generate_pin())
        elif kind == UNSECURED:
            new = Protection()
        else:
            raise ProtectionError(f"unknown protection '{kind}'")
        self.protections[mode] = new
        if persist:
            self.store.put(NS, mode, new.__dict__)
        self._revoke_mode_tokens(mode)
        self.rotate_overlay_token()
        return new

    def unsecured(self, mode: str) -> bool:
        return self.protections[mode].kind == UNSECURED

    # --- credentials ------------------------------------------------------------------
    def role_for_credentials(self, credentials: str) -> tuple[str, str] | None:
        """(role, kind) granted by a password, PIN or earlier connection token, else None.

        Hashes a password on the calling thread; the event loop uses `check_credentials`.
        """
        found = self._role_without_hashing(credentials)
        if found is not None:
            return found
        for mode in MODES:
            if self.protections[mode].kind == PASSWORD and self.protections[mode].matches(credentials):
                return mode, PASSWORD
        return None

    async def check_credentials(self, credentials: str) -> tuple[str, str] | None:
        """Like role_for_credentials, with password hashing on a worker thread."""
        found = self._role_without_hashing(credentials)
        if found is not None:
            return found
        loop = asyncio.get_running_loop()
        for mode in MODES:
            protection = self.protections[mode]
            if protection.kind == PASSWORD and protection.password_hash and protection.salt:
                hashed = await loop.run_in_executor(_HASHING, _hash_password, credentials, protection.salt)
                if self.protections[mode] is protection and hmac.compare_digest(protection.password_hash, hashed):
                    return mode, PASSWORD
        return None

    def token_role(self, credentials: str) -> tuple[str, str] | None:
        """(role, "token") for a live connection token, found by its digest; else None.

        Tokens are 256-bit random values: checking one reveals nothing worth guessing, so this
        is done even while the failure budget is spent.
        """
        key = _digest(credentials)
        token = self._connection_tokens.get(key)
        if token is not None:
            if token.expires > self.clock():
                return token.role, TOKEN
            del self._connection_tokens[key]
        return None

    def _role_without_hashing(self, credentials: str) -> tuple[str, str] | None:
        """An issued connection token (by digest) or a PIN: no password hash is computed."""
        found = self.token_role(credentials)
        if found is not None:
            return found
        for mode in MODES:
            if self.protections[mode].matches_pin(credentials):
                return mode, PIN
        return None

    # --- tokens -----------------------------------------------------------------------
    def issue_connection_token(self, role: str, kind: str, inherited_from: str | None = None) -> str:
        parent = self._connection_tokens.get(_digest(inherited_from)) if inherited_from else None
        if kind == TOKEN and parent is not None:
            expires, kind = parent.expires, parent.kind
        else:
            expires = self.clock() + CONNECTION_TOKEN_LIFETIME.get(kind, DAY)
        value = _token(1)
        self._connection_tokens[_digest(value)] = ConnectionToken(role, kind, expires)
        return value

    def issue_http_token(self, session_id: int, role: str) -> str:
        if len(self._http_tokens) >= MAX_HTTP_TOKENS:
            self._drop_expired_http_tokens()
            while len(self._http_tokens) >= MAX_HTTP_TOKENS:
                self._http_tokens.pop(next(iter(self._http_tokens)))
        value = _token(4)
        self._http_tokens[_digest(value)] = HttpToken(session_id, role, self.clock() + self.http_token_ttl)
        return value

    def rotate_overlay_token(self) -> str:
        """A new overlay token; the previous one stops working at the HTTP server at once."""
        self.overlay_token = _token(4)
        return self.overlay_token

    def http_token_valid(self, value: str | None) -> bool:
        if value and hmac.compare_digest(value.encode(), self.overlay_token.encode()):
            return True
        if not value:
            return False
        key = _digest(value)
        token = self._http_tokens.get(key)
        if token is None:
            return False
        if self.protections[token.role].kind == PIN:
            return True  # under PIN protection HTTP tokens live until restart
        if token.expires <= self.clock():
            del self._http_tokens[key]
            return False
        return True

    def revoke_session(self, session_id: int) -> None:
        for value in [k for k, t in self._http_tokens.items() if t.session_id == session_id]:
            del self._http_tokens[value]

    def clear_tokens(self) -> None:
        self._connection_tokens.clear()
        self._http_tokens.clear()
        self.rotate_overlay_token()

    def _revoke_mode_tokens(self, mode: str) -> None:
        for value in [k for k, t in self._connection_tokens.items() if t.role == mode]:
            del self._connection_tokens[value]

    def _drop_expired_http_tokens(self) -> None:
        now = self.clock()
        for value in [k for k, t in self._http_tokens.items() if t.expires <= now]:
            del self._http_tokens[value]

    # --- brute-force slow-down --------------------------------------------------------
    def retry_after(self, source: str) -> float:
        """Seconds this source must wait before its credentials are checked again."""
        record = self._failures.get(source)
        if record is None:
            return 0.0
        return max(0.0, record.locked_until - self.clock())

    def budget_wait(self) -> float:
        """Seconds until the room-wide failure budget allows another guess (0: now)."""
        return self.budget.wait()

    def record_failure(self, source: str, address: str | None = None) -> None:
        now = self.clock()
        record = self._failures.get(source)
        if record is None or now - record.last > FAILURE_MEMORY_SECONDS:
            record = _Failures()
        self._failures[source] = record
        self._failures.move_to_end(source)
        while len(self._failures) > MAX_SOURCES:
            self._failures.popitem(last=False)
        record.count += 1
        record.last = now
        self.failures_total += 1
        if record.count >= FAILURES_BEFORE_LOCKOUT:
            delay = min(MAX_LOCKOUT_SECONDS, 2.0 ** (record.count - FAILURES_BEFORE_LOCKOUT))
            record.locked_until = now + delay
        self._recent.append((now, address or source))
        if self.budget.spend():
            log.warning(
                "authentication: %d failed attempts in the last hour (last from %s): the room-wide failure "
                "budget is spent; credentials from other computers are refused unchecked until it refills",
                self._count_recent(self._recent, now),
                address or source,
            )

    def record_refusal(self) -> None:
        """An attempt refused unchecked because the budget was spent (reported to the owner)."""
        self._refused.append(self.clock())
        self.refused_total += 1

    def has_failed(self, source: str) -> bool:
        record = self._failures.get(source)
        return record is not None and self.clock() - record.last <= FAILURE_MEMORY_SECONDS

    def record_success(self, source: str) -> None:
        self._failures.pop(source, None)

    @staticmethod
    def _count_recent(events: deque, now: float) -> int:
        return sum(1 for e in events if now - (e[0] if isinstance(e, tuple) else e) <= 3600.0)

    def attack_report(self) -> dict[str, Any]:
        """What the owner sees in the web manager's Security section (getAuthInfo, administrators)."""
        now = self.clock()
        last = self._recent[-1] if self._recent else None
        exhausted = self.budget.exhausted_since
        if exhausted is None and self.budget.last_exhausted is not None and now - self.budget.last_exhausted < 3600:
            exhausted = self.budget.last_exhausted  # ran out within the last hour: still worth a notice
        return {
            "underAttack": exhausted is not None,
            "failedLastHour": self._count_recent(self._recent, now),
            "refusedLastHour": self._count_recent(self._refused, now),
            "budgetLeft": int(self.budget.level()),
            "lastFailureFrom": last[1] if last else "",
            "lastFailureAgo": round(now - last[0]) if last else -1,
            "attackSince": round(self.wall_clock() - (now - exhausted)) if exhausted is not None else 0,
        }
