"""Who is asking: bearer tokens for the API, a cookie session for pages.

``authenticate`` checks a username and password; ``resolve`` finds the caller behind a
request's token or cookie (the ``Caller`` middleware in middleware.py does it once per
request). Handlers then call ``require`` to insist on a signed-in user of some roles.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from tortoise.queryset import QuerySet

from . import db, errors, paging, security, throttle
from .errors import (
    CsrfFailed,
    InvalidCredentials,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
)
from .i18n import N_
from .models import ApiToken, AuditEvent, Role, User, WebSession
from .settings import Settings

SESSION_COOKIE = "session"
CSRF_COOKIE = "csrftoken"
# Refresh a session's last-seen time at most this often, not on every request.
_TOUCH_EVERY = timedelta(minutes=1)


def now() -> datetime:
    return datetime.now(UTC)


def client_ip(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else ""


async def audit(conn: HTTPConnection | None, action: str, user: User | None, **detail: Any) -> None:
    await AuditEvent.create(
        action=action,
        user_id=user.id if user else None,
        ip=client_ip(conn) if conn else "",
        target=str(detail.pop("target", "")),
        detail=detail,
    )


async def authenticate(username: str, password: str, ip: str) -> User:
    """The active user with this username and password, or ``InvalidCredentials``
    (``TooManyAttempts`` while the username or the address ``ip`` is throttled).

    The error is the same whether the user does not exist or the password is wrong, and
    both cost one Argon2 verification, so neither the text nor the timing tells them apart.
    """
    if not username.strip() or "\x00" in username:
        raise InvalidCredentials()  # no account has such a name: nothing to count
    await throttle.check(username, ip)
    user = await User.get_or_none(username=username.strip().lower()).select_related(
        "police_unit", "establishment"
    )
    if not await security.matches(user.password_hash if user else None, password):
        await throttle.failed(username, ip)
        raise InvalidCredentials()
    assert user is not None
    # A right password does not clear the count: only a completed sign-in does
    # (``second_factor_passed``), so a guessed second factor is counted like a password.
    if not user.is_active:
        raise InvalidCredentials(N_("This account is disabled."), code="account_disabled")
    if user.locked_at is not None:
        raise InvalidCredentials(
            N_("This account is locked. Contact an administrator."), code="account_locked"
        )
    if security.needs_rehash(user.password_hash):
        user.password_hash = await security.hashed(password)
        await user.save(update_fields=["password_hash"])
    return user


async def issue_token(user: User, name: str, max_age: int) -> tuple[str, ApiToken]:
    """A new bearer token for ``user``; the secret is returned once and never stored."""
    secret = security.new_api_token()
    token = await ApiToken.create(
        user=user,
        name=name[:100] or "api",
        token_hash=security.digest(secret),
        prefix=secret[:10],
        expires_at=now() + timedelta(seconds=max_age),
    )
    return secret, token


async def revoke_token(conn: HTTPConnection, user: User, token_id: int, via: str) -> ApiToken:
    """Revoke one of ``user``'s own tokens (someone else's is "not found"); idempotent."""
    token = await ApiToken.get_or_none(id=token_id, user_id=user.id)
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = now()
        await token.save(update_fields=["revoked_at"])
        await audit(conn, "token_revoked", user, target=token.id, via=via)
    return token


# How long a half-finished sign-in (waiting for a code, a new password or enrolment) lasts.
PENDING_MAX_AGE = 10 * 60
# Wrong second-factor codes before a half-finished sign-in is thrown away.
PENDING_MAX_ATTEMPTS = 5


async def second_factor_passed(user: User, ip: str) -> None:
    """The password and (where there is one) the second factor are right: the failures
    counted against this account end here, not before."""
    await throttle.succeeded(user.username, ip)


async def second_factor_failed(user: User, ip: str) -> None:
    """A wrong second-factor code counts against the account (and the address) exactly
    as a wrong password does, on the web and the API alike."""
    await throttle.failed(user.username, ip)


def second_factor_required(user: User, settings: Settings) -> bool:
    """Police and administrators must use two-factor sign-in (TWO_FACTOR_REQUIRED, on
    except on a demo or test system)."""
    return settings.two_factor_required and (user.role.is_police or user.role == Role.ADMIN)


def next_step(user: User, settings: Settings, *, code_done: bool = False) -> str:
    """What a signing-in user must still do before the session is full: "code" (the
    second factor), "password" (choose a new one after a reset), "enrol" (set up the
    second factor), or "" (nothing)."""
    if user.totp_enabled_at is not None and not code_done:
        return "code"
    if user.must_change_password:
        return "password"
    if user.totp_enabled_at is None and second_factor_required(user, settings):
        return "enrol"
    return ""


async def start_session(request: Request, user: User, settings: Settings, pending: str = "") -> str:
    """A new session for ``user``; with ``pending``, a short one that signs nobody in
    until the step is done (``finish_step``)."""
    key = security.new_secret()
    max_age = PENDING_MAX_AGE if pending else settings.session_max_age
    await WebSession.create(
        key_hash=security.digest(key),
        user=user,
        last_seen_at=now(),
        expires_at=now() + timedelta(seconds=max_age),
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", "")[:300],
        pending=pending,
    )
    if not pending:
        user.last_login_at = now()
        await user.save(update_fields=["last_login_at"])
    return key


async def finish_step(session: WebSession, user: User, settings: Settings) -> str:
    """Record that the session's pending step is done; return the next one ("" when the
    session is now a full one)."""
    # The code always comes first, so after any step it is done.
    following = next_step(user, settings, code_done=True)
    session.pending = following
    session.attempts = 0
    if not following:
        session.expires_at = now() + timedelta(seconds=settings.session_max_age)
        user.last_login_at = now()
        await user.save(update_fields=["last_login_at"])
    session.last_seen_at = now()
    await session.save(update_fields=["pending", "attempts", "expires_at", "last_seen_at"])
    return following


def set_session_cookie(response: Response, key: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        key,
        max_age=settings.session_max_age,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )


def pending_session(conn: HTTPConnection) -> WebSession | None:
    """The caller's half-finished sign-in, if that is what the cookie points to."""
    session: WebSession | None = conn.scope.get("pending_session")
    return session


async def current_session(request: Request) -> WebSession | None:
    """The session row behind the caller's cookie (full or pending), if any."""
    key = request.cookies.get(SESSION_COOKIE)
    if not key:
        return None
    return await WebSession.get_or_none(key_hash=security.digest(key))


async def end_session(request: Request) -> None:
    key = request.cookies.get(SESSION_COOKIE)
    if key:
        await WebSession.filter(key_hash=security.digest(key)).delete()


def token_max_age(user: User, settings: Settings) -> int:
    """Hotel software signs in once for months (TOKEN_MAX_AGE). Anyone else's token (the
    police, an administrator) is a person at a screen: it gets a web session's limits."""
    if user.role.is_hotel:
        return settings.token_max_age
    return min(settings.token_max_age, settings.session_max_age)


def _token_with_user(token_hash: str) -> QuerySet[ApiToken]:
    return ApiToken.filter(token_hash=token_hash).limit(1).select_related(*_USER_AND_PLACE)


def _session_with_user(key_hash: str) -> QuerySet[WebSession]:
    return WebSession.filter(key_hash=key_hash).limit(1).select_related(*_USER_AND_PLACE)


_USER_AND_PLACE = ("user", "user__police_unit", "user__establishment")


async def _user_from_token(secret: str, settings: Settings) -> tuple[User | None, ApiToken | None]:
    token = await db.first_by("token", _token_with_user, security.digest(secret))
    if token is None or token.revoked_at is not None or token.expires_at <= now():
        return None, None
    if not token.user.is_active or token.user.locked_at is not None:
        return None, None
    if not token.user.role.is_hotel:
        # A person's token: the web session's absolute and idle timeouts.
        moment = now()
        idle = timedelta(seconds=settings.session_idle_timeout)
        absolute = timedelta(seconds=settings.session_max_age)
        if (
            moment - token.created_at > absolute
            or moment - (token.last_used_at or token.created_at) > idle + _TOUCH_EVERY
        ):
            return None, None
    if token.last_used_at is None or now() - token.last_used_at > _TOUCH_EVERY:
        await ApiToken.filter(id=token.id).update(last_used_at=now())
    return token.user, token


async def _session(key: str, settings: Settings) -> WebSession | None:
    """The live session behind a cookie (full or pending), or None."""
    session = await db.first_by("session", _session_with_user, security.digest(key))
    if session is None:
        return None
    moment = now()
    if _expired(session, moment, settings):
        await session.delete()
        return None
    if not session.user.is_active or session.user.locked_at is not None:
        return None
    if moment - session.last_seen_at > _TOUCH_EVERY:
        await WebSession.filter(id=session.id).update(last_seen_at=moment)
    return session


def _expired(session: WebSession, moment: datetime, settings: Settings) -> bool:
    idle = timedelta(seconds=settings.session_idle_timeout)
    return session.expires_at <= moment or moment - session.last_seen_at > idle


async def valid_sessions(keys: set[str], settings: Settings) -> set[str]:
    """Which of these session keys still stand for a signed-in user, in one query: the
    live queues' periodic check (``_session`` for each, without its clean-up)."""
    by_hash = {security.digest(key): key for key in keys}
    found = await WebSession.filter(key_hash__in=list(by_hash)).select_related("user")
    moment = now()
    return {
        by_hash[s.key_hash]
        for s in found
        if not _expired(s, moment, settings)
        and not s.pending
        and s.user.is_active
        and s.user.locked_at is None
    }


async def _user_from_session(key: str, settings: Settings) -> User | None:
    session = await _session(key, settings)
    return session.user if session is not None and not session.pending else None


async def resolve(conn: HTTPConnection, settings: Settings) -> dict[str, Any]:
    """What the request's credentials say, for its scope: ``user`` (or None),
    ``auth_error`` (credentials sent but no longer valid), ``api_token``, and
    ``pending_session`` for a half-finished sign-in."""
    found: dict[str, Any] = {"user": None, "auth_error": False}
    authorization = conn.headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        user, token = await _user_from_token(authorization[7:].strip(), settings)
        found.update(user=user, api_token=token, auth_error=user is None)
    elif SESSION_COOKIE in conn.cookies and not conn.url.path.startswith("/api/"):
        # The API takes bearer tokens only: a cookie there would make every API write a
        # cross-site request forgery away (a text/plain POST needs no CORS).
        session = await _session(conn.cookies[SESSION_COOKIE], settings)
        if session is not None and session.pending:
            found["pending_session"] = session  # half signed in: see pending_session
        elif session is not None:
            found["user"] = session.user
        found["auth_error"] = session is None
    return found


async def still_signed_in(conn: HTTPConnection, settings: Settings) -> bool:
    """Whether the caller's session is still valid (for long-lived responses)."""
    key = conn.cookies.get(SESSION_COOKIE)
    return key is not None and await _user_from_session(key, settings) is not None


def require(request: HTTPConnection, roles: Iterable[Role] | None = None) -> User:
    """The signed-in user, who must have one of ``roles`` (any role when None)."""
    user: User | None = request.scope.get("user")
    if user is None:
        if request.scope.get("auth_error"):
            raise NotAuthenticated(
                N_("Your sign-in has expired or was revoked. Please sign in again."),
                code="invalid_token",
            )
        raise NotAuthenticated()
    if roles is not None and user.role not in set(roles):
        raise PermissionDenied()
    return user


# A page's form is small; an upload adds its file (the bulk upload takes 2 MB).
FORM_MAX = 256 * 1024
FILE_MAX = 3 * 1024 * 1024


async def read_form(request: Request) -> dict[str, str]:
    """The submitted form, after checking its CSRF token against the cookie (double submit)."""
    form = await read_form_with_files(request)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    await form.close()
    if errors.has_nul(values):
        raise errors.nul_refused()
    return values


async def read_form_with_files(request: Request, max_files: int = 0) -> FormData:
    """Like ``read_form``, keeping uploaded files (at most ``max_files``); the caller
    closes the form when done with them."""
    declared = request.headers.get("content-length", "")
    limit = FORM_MAX if max_files == 0 else FORM_MAX + max_files * FILE_MAX
    if paging.whole(declared) and int(declared) > limit:
        raise PayloadTooLarge()
    form = await request.form(max_files=max_files, max_fields=50, max_part_size=limit)
    sent = form.get("csrf_token", "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not isinstance(sent, str) or not sent or not security.same(sent, cookie):
        await form.close()
        raise CsrfFailed()
    return form
