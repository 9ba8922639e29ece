"""Who may control the room: protection per control mode, tokens and brute-force slow-down.

Passwords are stored as scrypt hashes. PINs are kept readable because the room itself shows the
user PIN on its screen and getAuthInfo reports it to the administrator.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field

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
PIN_ALPHABET = string.digits


@dataclass
class Protection:
    kind: str = UNSECURED
    pin: str | None = None
    password_hash: str | None = None
    salt: str | None = None

    def matches(self, credentials: str) -> bool:
        if self.kind == PIN and self.pin:
            return hmac.compare_digest(self.pin.casefold().encode(), credentials.casefold().encode())
        if self.kind == PASSWORD and self.password_hash and self.salt:
            return hmac.compare_digest(self.password_hash, _hash_password(credentials, self.salt))
        return False


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


def _hash_password(password: str, salt: str) -> str:
    return hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1).hex()


def _token(prefix: int) -> str:
    alnum = string.ascii_letters + string.digits
    middle = "".join(secrets.choice(alnum) for _ in range(16))
    return f"{prefix}*{middle}*{secrets.randbelow(10**8):08d}*{secrets.token_hex(32).upper()}"


def generate_pin(length: int = 6) -> str:
    return "".join(secrets.choice(PIN_ALPHABET) for _ in range(length))


@dataclass
class AccessControl:
    store: Store
    http_token_ttl: float = 300.0
    clock: Callable[[], float] = time.monotonic
    protections: dict[str, Protection] = field(default_factory=dict)
    _connection_tokens: dict[str, ConnectionToken] = field(default_factory=dict)
    _http_tokens: dict[str, HttpToken] = field(default_factory=dict)
    _failures: dict[str, _Failures] = field(default_factory=dict)
    overlay_token: str = field(default_factory=lambda: _token(4))  # getOverlayHttpToken; lives until rotated

    def __post_init__(self) -> None:
        for mode in MODES:
            saved = self.store.get(NS, mode)
            self.protections[mode] = Protection(**saved) if saved else Protection()

    # --- protection -------------------------------------------------------------------
    def protection(self, mode: str) -> Protection:
        return self.protections[mode]

    def set_protection(
        self, mode: str, kind: str, *, password: str | None = None, pin: str | None = None, persist: bool = True
    ) -> Protection:
        if kind == PASSWORD:
            if not password:
                raise ValueError("a password is required for password protection")
            salt = secrets.token_hex(16)
            new = Protection(PASSWORD, password_hash=_hash_password(password, salt), salt=salt)
        elif kind == PIN:
            new = Protection(PIN, pin=pin or generate_pin())
        elif kind == UNSECURED:
            new = Protection()
        else:
            raise ValueError(f"unknown protection '{kind}'")
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
        """(role, kind) granted by a password, PIN or earlier connection token, else None."""
        for mode in MODES:
            if self.protections[mode].matches(credentials):
                return mode, self.protections[mode].kind
        token = self._connection_tokens.get(credentials)
        if token is not None:
            if token.expires > self.clock():
                return token.role, TOKEN
            del self._connection_tokens[credentials]
        return None

    # --- tokens -----------------------------------------------------------------------
    def issue_connection_token(self, role: str, kind: str, inherited_from: str | None = None) -> str:
        if kind == TOKEN and inherited_from in self._connection_tokens:
            expires = self._connection_tokens[inherited_from].expires
            kind = self._connection_tokens[inherited_from].kind
        else:
            expires = self.clock() + CONNECTION_TOKEN_LIFETIME.get(kind, DAY)
        value = _token(1)
        self._connection_tokens[value] = ConnectionToken(role, kind, expires)
        return value

    def issue_http_token(self, session_id: int, role: str) -> str:
        if len(self._http_tokens) >= MAX_HTTP_TOKENS:
            self._drop_expired_http_tokens()
            while len(self._http_tokens) >= MAX_HTTP_TOKENS:
                self._http_tokens.pop(next(iter(self._http_tokens)))
        value = _token(4)
        self._http_tokens[value] = HttpToken(session_id, role, self.clock() + self.http_token_ttl)
        return value

    def rotate_overlay_token(self) -> str:
        """A new overlay token; the previous one stops working at the HTTP server at once."""
        self.overlay_token = _token(4)
        return self.overlay_token

    def http_token_valid(self, value: str | None) -> bool:
        if value and hmac.compare_digest(value.encode(), self.overlay_token.encode()):
            return True
        token = self._http_tokens.get(value or "")
        if token is None:
            return False
        if self.protections[token.role].kind == PIN:
            return True  # under PIN protection HTTP tokens live until restart
        if token.expires <= self.clock():
            del self._http_tokens[value]  # type: ignore[arg-type]
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
    def retry_after(self, host: str) -> float:
        record = self._failures.get(host)
        if record is None:
            return 0.0
        return max(0.0, record.locked_until - self.clock())

    def record_failure(self, host: str) -> None:
        record = self._failures.setdefault(host, _Failures())
        record.count += 1
        if record.count >= FAILURES_BEFORE_LOCKOUT:
            delay = min(MAX_LOCKOUT_SECONDS, 2.0 ** (record.count - FAILURES_BEFORE_LOCKOUT))
            record.locked_until = self.clock() + delay

    def record_success(self, host: str) -> None:
        self._failures.pop(host, None)
