"""The signed-in user's own account: the second sign-in step, a new password, and
two-factor enrolment with recovery codes.

These pages also serve a half-finished sign-in (``auth.pending_session``): a user who
must type a code, choose a new password after a reset, or set up two-factor sign-in
reaches only the page of that step.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from tortoise.transactions import in_transaction

from .. import accounts, auth, registration, security, throttle, totp
from ..errors import Conflict, NotAuthenticated, PermissionDenied
from ..i18n import N_, gettext
from ..models import AuditEvent, RecoveryCode, User, WebSession
from ..settings import Settings
from ..templating import render_page
from .auth import home_path, safe_next, step_path


def _caller(request: Request, step: str) -> tuple[User, WebSession | None]:
    """The signed-in user, or the half-signed-in one whose pending step is ``step``."""
    user: User | None = request.scope.get("user")
    if user is not None:
        return user, None
    session = auth.pending_session(request)
    if session is not None and session.pending == step:
        return session.user, session
    raise NotAuthenticated()


async def _advance(request: Request, user: User, session: WebSession | None) -> Response:
    """After a step: the next step's page, or where the user was going."""
    after = safe_next(request.query_params.get("next")) or home_path(request, user)
    if session is None:
        return RedirectResponse(after, status_code=303)
    following = await auth.finish_step(session, user, request.app.state.settings)
    if following:
        return RedirectResponse(step_path(request, following, after), status_code=303)
    await auth.audit(request, "login", user, via="web")
    return RedirectResponse(after, status_code=303)


# --- the second factor at sign-in --------------------------------------------------------


async def code_page(request: Request) -> Response:
    _caller(request, "code")
    return render_page(request, "account/code.html", {"errors": {}})


async def code_submit(request: Request) -> Response:
    user, session = _caller(request, "code")
    form = await auth.read_form(request)
    if session is None:  # already signed in: nothing to confirm
        return RedirectResponse(home_path(request, user), status_code=303)
    try:
        # Locked by failures from anywhere (the API, an earlier session): no more guesses.
        await throttle.check(user.username, auth.client_ip(request))
    except throttle.TooManyAttempts as locked:
        return render_page(
            request,
            "account/code.html",
            {"errors": {"": locked.translated()}},
            status_code=429,
            headers=locked.headers,
        )
    if await check_second_factor(user, form.get("code", ""), request.app.state.settings):
        await auth.second_factor_passed(user, auth.client_ip(request))
        await auth.audit(request, "login_code_ok", user, via="web")
        return await _advance(request, user, session)
    await auth.second_factor_failed(user, auth.client_ip(request))
    session.attempts += 1
    await auth.audit(request, "login_code_failed", user, via="web", attempt=session.attempts)
    if session.attempts >= auth.PENDING_MAX_ATTEMPTS:
        await session.delete()
        response = RedirectResponse(request.app.url_path_for("login"), status_code=303)
        response.delete_cookie(auth.SESSION_COOKIE)
        return response
    await session.save(update_fields=["attempts"])
    error = gettext("This code is not right. Type the 6 digits the app shows now.")
    return render_page(request, "account/code.html", {"errors": {"": error}}, status_code=401)


def totp_secret(user: User, settings: Settings) -> str:
    """The user's second-factor secret in clear (it is sealed at rest)."""
    assert user.totp_secret is not None
    return totp.unseal(user.totp_secret, settings.secret_keys)[0]


async def check_second_factor(user: User, code: str, settings: Settings) -> bool:
    """A current authenticator code (each accepted once) or an unused recovery code."""
    if user.totp_secret is None or user.totp_enabled_at is None:
        return False
    secret, stale = totp.unseal(user.totp_secret, settings.secret_keys)
    if stale:  # stored in clear, or under a previous SECRET_KEY: sealed with the current one
        user.totp_secret = totp.seal(secret, str(settings.secret_key))
        await User.filter(id=user.id).update(totp_secret=user.totp_secret)
    if totp.looks_like_recovery_code(code):
        used = await RecoveryCode.filter(
            user_id=user.id, code_hash=totp.recovery_hash(code), used_at__isnull=True
        ).update(used_at=auth.now())
        return used == 1
    step = totp.verify(secret, code, user.totp_last_step)
    if step is None:
        return False
    # Conditional, so two requests racing with the same code cannot both pass.
    taken = await User.filter(id=user.id, totp_last_step=user.totp_last_step).update(
        totp_last_step=step
    )
    user.totp_last_step = step
    return taken == 1


# --- password --------------------------------------------------------------------------


async def password_page(request: Request) -> Response:
    user, session = _caller(request, "password")
    return await _password_form(request, user, session is None, None)


async def _password_form(
    request: Request, user: User, ask_current: bool, error: str | None
) -> Response:
    # After a reset, the holder is told who reset it and when (an administrator or an
    # owner holding a temporary password is exactly what they should know about).
    reset = None
    if not ask_current:
        reset = (
            await AuditEvent.filter(action="password_reset", target=user.username)
            .order_by("-id")
            .select_related("user")
            .first()
        )
    return render_page(
        request,
        "account/password.html",
        {"ask_current": ask_current, "errors": {"": error} if error else {}, "reset": reset},
        status_code=422 if error else 200,
    )


async def password_submit(request: Request) -> Response:
    """A new password. After a reset (the pending step) the temporary password was just
    typed at sign-in; otherwise the current one is asked again."""
    user, session = _caller(request, "password")
    form = await auth.read_form(request)
    if session is None and not await security.matches(
        user.password_hash, form.get("current_password", "")
    ):
        return await _password_form(request, user, True, gettext("The current password is wrong."))
    problem = registration.check_password(
        form.get("password", ""), form.get("password_confirm", "")
    )
    if problem:
        return await _password_form(request, user, session is None, gettext(problem))
    user.password_hash = await security.hashed(form["password"])
    user.must_change_password = False
    async with in_transaction("default"):
        await user.save(update_fields=["password_hash", "must_change_password"])
        # Whoever else held the old password (a stolen session, a forgotten device, an
        # API token) is out: every other session ends, every token is revoked.
        current = await auth.current_session(request)
        await accounts.sign_out_everywhere(user, keep_session_id=current.id if current else None)
    await auth.audit(request, "password_changed", user, via="web")
    return await _advance(request, user, session)


# --- two-factor enrolment --------------------------------------------------------------


async def two_factor(request: Request) -> Response:
    user, session = _caller(request, "enrol")
    settings = request.app.state.settings
    unused = await RecoveryCode.filter(user_id=user.id, used_at__isnull=True).count()
    return render_page(
        request,
        "account/two_factor.html",
        {
            "enabled": user.totp_enabled_at is not None,
            "required": auth.second_factor_required(user, settings),
            "signing_in": session is not None,
            "unused_codes": unused,
            "setup": None,
            "errors": {},
            "codes": None,
        },
    )


async def two_factor_start(request: Request) -> Response:
    """A fresh secret, shown as a QR code; it counts only once a code from it is typed."""
    user, session = _caller(request, "enrol")
    form = await auth.read_form(request)
    if user.totp_enabled_at is not None:
        raise PermissionDenied(N_("Two-factor sign-in is already on."), code="already_enrolled")
    # Signed in already (not in the middle of signing in, where the password was just
    # typed): the password again, so a stolen session cannot enrol its own phone.
    if session is None and not await security.matches(
        user.password_hash, form.get("current_password", "")
    ):
        raise PermissionDenied(N_("The current password is wrong."), code="wrong_password")
    secret = totp.new_secret()
    user.totp_secret = totp.seal(secret, str(request.app.state.settings.secret_key))
    user.totp_last_step = None
    await user.save(update_fields=["totp_secret", "totp_last_step"])
    return _setup_page(request, user, session, None)


def _setup_page(
    request: Request, user: User, session: WebSession | None, error: str | None
) -> Response:
    secret = totp_secret(user, request.app.state.settings)
    uri = totp.provisioning_uri(secret, user.username)
    return render_page(
        request,
        "account/two_factor.html",
        {
            "enabled": False,
            "required": auth.second_factor_required(user, request.app.state.settings),
            "signing_in": session is not None,
            "unused_codes": 0,
            "setup": {"qr": totp.qr_svg(uri), "secret": secret},
            "errors": {"": error} if error else {},
            "codes": None,
        },
        status_code=422 if error else 200,
    )


async def two_factor_confirm(request: Request) -> Response:
    user, session = _caller(request, "enrol")
    form = await auth.read_form(request)
    if user.totp_enabled_at is not None or user.totp_secret is None:
        raise PermissionDenied(N_("Start the set-up again."), code="enrolment_not_started")
    step = totp.verify(totp_secret(user, request.app.state.settings), form.get("code", ""), None)
    if step is None:
        error = gettext("This code is not right. Type the 6 digits the app shows now.")
        return _setup_page(request, user, session, error)
    user.totp_enabled_at = auth.now()
    user.totp_last_step = step
    codes = totp.new_recovery_codes()
    async with in_transaction("default"):
        await user.save(update_fields=["totp_enabled_at", "totp_last_step"])
        await _replace_recovery_codes(user, codes)
    await auth.audit(request, "two_factor_enabled", user, via="web")
    if session is not None:
        await auth.finish_step(session, user, request.app.state.settings)
        if not session.pending:
            await auth.audit(request, "login", user, via="web")
    after = safe_next(request.query_params.get("next")) or home_path(request, user)
    return _codes_page(request, codes, after)


def _codes_page(request: Request, codes: list[str], after: str) -> Response:
    return render_page(
        request,
        "account/two_factor.html",
        {
            "enabled": True,
            "required": False,
            "signing_in": False,
            "unused_codes": len(codes),
            "setup": None,
            "errors": {},
            "codes": codes,
            "after": after,
        },
    )


async def _replace_recovery_codes(user: User, codes: list[str]) -> None:
    await RecoveryCode.filter(user_id=user.id).delete()
    await RecoveryCode.bulk_create(
        [RecoveryCode(user_id=user.id, code_hash=totp.recovery_hash(c)) for c in codes]
    )


async def _full_user_with_password(request: Request) -> tuple[User, dict[str, str]]:
    user = auth.require(request)
    form = await auth.read_form(request)
    if not await security.matches(user.password_hash, form.get("current_password", "")):
        raise PermissionDenied(N_("The current password is wrong."), code="wrong_password")
    return user, form


async def recovery_codes(request: Request) -> Response:
    """New recovery codes (the old ones stop working)."""
    user, _ = await _full_user_with_password(request)
    if user.totp_enabled_at is None:
        raise Conflict(N_("Two-factor sign-in is off."), code="not_enrolled")
    codes = totp.new_recovery_codes()
    await _replace_recovery_codes(user, codes)
    await auth.audit(request, "recovery_codes_renewed", user, via="web")
    return _codes_page(request, codes, home_path(request, user))


async def two_factor_disable(request: Request) -> Response:
    """Only where it is optional (hotel accounts, or any account on a demo system)."""
    user, _ = await _full_user_with_password(request)
    if auth.second_factor_required(user, request.app.state.settings):
        raise PermissionDenied(
            N_("Two-factor sign-in is required for this account."), code="second_factor_required"
        )
    async with in_transaction("default"):
        user.totp_secret = None
        user.totp_enabled_at = None
        user.totp_last_step = None
        await user.save(update_fields=["totp_secret", "totp_enabled_at", "totp_last_step"])
        await RecoveryCode.filter(user_id=user.id).delete()
    await auth.audit(request, "two_factor_disabled", user, via="web")
    return RedirectResponse(request.app.url_path_for("two_factor"), status_code=303)
