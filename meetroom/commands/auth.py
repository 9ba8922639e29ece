"""auth, setAuthParams, tokens and API version: who controls the room and how."""

from __future__ import annotations

from typing import Any

from meetroom.api import modes
from meetroom.api.envelope import CommandError
from meetroom.api.registry import CommandTable
from meetroom.api.session import Session
from meetroom.commands.services import Context
from meetroom.core.access import ADMIN, MODES, PASSWORD, PIN, UNSECURED, USER, hash_new_password
from meetroom.core.origins import FILE_PAGES_HINT, OriginKind, classify_origin, counts_as_room_itself

commands = CommandTable()
command = commands.command

PRIVILEGES = {USER: 1, ADMIN: 2}
RESULT_WRONG_CREDENTIALS = 3
API_VERSIONS = ("1", "2")
# The room PC's own address. Several programs share it (the room's own manager page, ctl, a
# kiosk), so failures count per connection there, not per address: one program's wrong PINs
# must not lock the owner out. Other loopback addresses (127.0.x.y) count like any address.
ROOM_ADDRESSES = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})


def failure_source(ctx: Context) -> str:
    """The key failures are counted under: the address, or the connection on the room's own address."""
    session = ctx.session
    if session.peer_host in ROOM_ADDRESSES:
        return f"{session.peer_host}#{session.id}"
    return session.peer_host


def is_room_itself(ctx: Context) -> bool:
    """The room PC's own software: its own address, no page of another site, no failure yet.

    Its credentials are checked even while the room-wide failure budget is spent, so that the
    owner gets in during an attack from the network (a local program could read the data
    directory anyway; a web page in the room's browser carries its Origin and does not count).
    """
    session, services = ctx.session, ctx.services
    if session.peer_host not in ROOM_ADDRESSES or services.access.retry_after(failure_source(ctx)) > 0:
        return False
    if services.access.has_failed(failure_source(ctx)):
        return False
    return classify_origin(session.origin, services.room.serves_origin) in (OriginKind.NONE, OriginKind.OWN)


def _refuse(ctx: Context, error: str, *, count_failure: bool = True) -> CommandError:
    if count_failure:
        ctx.services.access.record_failure(failure_source(ctx), ctx.session.peer_host)
    return CommandError(error, resultCode=RESULT_WRONG_CREDENTIALS)


def local_control_refusal(ctx: Context, role: str) -> str | None:
    """Why an unsecured mode may not be taken by this connection, or None when it may.

    Unsecured modes are for the room itself unless the owner opted out. A browser page of some
    other origin counts as remote, and so does Origin `null` (a sandboxed frame of any site looks
    just like a file page) unless the administrator allows file pages: otherwise any web site
    opened on the room PC could take control through localhost.
    """
    services, session = ctx.services, ctx.session
    if services.settings.get("allowUnsecuredRemoteControl"):
        return None
    unsecured = f"{role} control is unsecured, which is allowed only from the room itself"
    protect = "set a password or PIN (setAuthParams) to control it from the network"
    if not session.is_loopback:
        return f"{unsecured}; {protect}"
    kind = classify_origin(session.origin, services.room.serves_origin)
    if counts_as_room_itself(kind, allow_file_pages=services.room.allows_file_pages()):
        return None
    if kind is OriginKind.FILE:
        return f"{unsecured}; {FILE_PAGES_HINT}"
    return f"{unsecured}, and a page of another web site is not the room; {protect}"


def _granted(ctx: Context, role: str, kind: str, credentials: str | None) -> dict[str, Any]:
    services, session = ctx.services, ctx.session
    services.access.record_success(failure_source(ctx))
    services.access.revoke_session(session.id)
    services.modes.grant(session, role, kind)
    return {
        "previleges": PRIVILEGES[role],
        "token": services.access.issue_connection_token(role, kind, inherited_from=credentials),
        "tokenForHttpServer": services.access.issue_http_token(session.id, role),
        "resultCode": 0,
    }


def _unsecured_role(ctx: Context, wanted: str | None) -> str:
    access = ctx.services.access
    candidates = [wanted] if wanted else [ADMIN, USER]
    for role in candidates:
        if access.unsecured(role):
            refusal = local_control_refusal(ctx, role)
            if refusal is not None:
                raise _refuse(ctx, refusal, count_failure=False)
            return role
    raise _refuse(ctx, f"{wanted or 'every'} control mode is protected: use type 'secured' with credentials")


@command("setUsedApiVersion", pre_auth=True, params={"version": ("string|integer", True)})
async def set_used_api_version(ctx: Context, msg: dict[str, Any]) -> None:
    version = str(msg["version"])
    if version not in API_VERSIONS:
        raise CommandError(f"unsupported API version '{version}'; supported: {', '.join(API_VERSIONS)}")
    ctx.session.api_version = version


@command("auth", pre_auth=True)
async def auth(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    access = ctx.services.access
    kind = msg.get("type")
    role = msg.get("role")
    if role is not None and role not in MODES:
        raise _refuse(ctx, "role must be 'admin' or 'user'", count_failure=False)
    if kind is None:
        return _switch_to_user(ctx, role)
    if kind == "unsecured":  # no secret to guess: never slowed down
        granted_role = _unsecured_role(ctx, role)
        return _granted(ctx, granted_role, UNSECURED, None)
    if kind != "secured":
        raise _refuse(ctx, "type must be 'secured' or 'unsecured'", count_failure=False)
    credentials = msg.get("credentials")
    if not isinstance(credentials, str) or not credentials:
        raise _refuse(ctx, "type 'secured' needs non-empty 'credentials'", count_failure=False)
    wait = access.retry_after(failure_source(ctx))
    if wait > 0:
        raise CommandError(
            f"too many failed attempts; try again in {wait:.1f} s",
            resultCode=RESULT_WRONG_CREDENTIALS,
            retryAfter=round(wait, 1),
        )
    budget_wait = access.budget_wait()
    if budget_wait > 0 and not is_room_itself(ctx) and access.token_role(credentials) is None:
        access.record_refusal()
        retry = round(min(budget_wait, 86400.0), 1)
        raise CommandError(
            f"too many failed attempts on this room from all addresses; credentials are not checked for "
            f"{retry:.0f} s (the administrator is told; tokens and the room PC itself still work)",
            resultCode=RESULT_WRONG_CREDENTIALS,
            retryAfter=retry,
        )
    found = await access.check_credentials(credentials)
    if found is None:
        raise _refuse(ctx, "wrong credentials")
    granted_role, granted_kind = found
    if role == ADMIN and granted_role != ADMIN:
        raise _refuse(ctx, "these credentials do not give administrator rights")
    if role == USER:
        granted_role = USER  # an administrator may choose to act as user
    return _granted(ctx, granted_role, granted_kind, credentials)


def _switch_to_user(ctx: Context, role: str | None) -> dict[str, Any]:
    session = ctx.session
    if role is None:
        raise CommandError("auth needs 'type' (secured/unsecured), or 'role' to switch an administrator to user")
    if session.role != ADMIN:
        raise CommandError(
            "only an administrator connection can switch to user mode", resultCode=RESULT_WRONG_CREDENTIALS
        )
    if role == ADMIN:
        return _granted(ctx, ADMIN, session.auth_kind or UNSECURED, None)
    return _granted(ctx, USER, session.auth_kind or UNSECURED, None)


@command("setAuthParams")
async def set_auth_params(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    services, session = ctx.services, ctx.session
    access = services.access
    mode, kind = msg["userType"], msg["authType"]
    if session.role != ADMIN and mode == ADMIN:
        raise CommandError("only an administrator can change administrator protection")
    password, new_pin = msg.get("password"), msg.get("newPin")
    access.check_protection(mode, kind, password, new_pin)
    prepared = await hash_new_password(password) if kind == PASSWORD else None
    protection = access.set_protection(mode, kind, password=password, pin=new_pin, prepared=prepared)

    if mode == ADMIN:
        services.modes.revoke_mode(ADMIN, modes.CAUSE_ADMIN_CHANGED, keep=session)
        if kind == UNSECURED and not access.unsecured(USER):
            access.set_protection(USER, UNSECURED)
            services.modes.revoke_mode(USER, modes.CAUSE_USER_RESET, keep=session)
    else:
        cause = modes.CAUSE_USER_CHANGED_BY_ADMIN if session.role == ADMIN else modes.CAUSE_USER_CHANGED_BY_USER
        services.modes.revoke_mode(USER, cause, keep=session)

    fields: dict[str, Any] = {}
    if kind == PIN:
        fields["newPin"] = protection.pin
    if mode == session.role:
        # The connection's own credentials changed: it keeps its mode under the new protection.
        session.auth_kind = kind
        fields["token"] = access.issue_connection_token(mode, kind)
    fields["tokenForHttpServer"] = access.issue_http_token(session.id, session.role or USER)
    return fields


def auth_info(ctx: Context, session_view: Session | None) -> dict[str, Any]:
    """getAuthInfo's view: an administrator sees both PINs, a user only the user PIN."""
    access = ctx.services.access
    viewer = session_view.role if session_view else ADMIN
    out = {}
    for mode in MODES:
        protection = access.protection(mode)
        entry = {"security": protection.kind, "pin": ""}
        if protection.kind == PIN and (viewer == ADMIN or mode == USER):
            entry["pin"] = protection.pin or ""
        out[f"{mode}Auth"] = entry
    if viewer == ADMIN:  # meetroom: failed attempts, for the Security section of the web manager
        out["authFailures"] = access.attack_report()
    return out


@command("getAuthInfo")
async def get_auth_info(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return auth_info(ctx, ctx.session)


@command("getTokenForHttpServer")
async def get_token_for_http_server(ctx: Context, msg: dict[str, Any]) -> dict[str, Any]:
    return {"token": ctx.services.access.issue_http_token(ctx.session.id, ctx.session.role or USER)}


@command("clearTokens")
async def clear_tokens(ctx: Context, msg: dict[str, Any]) -> None:
    ctx.services.access.clear_tokens()
