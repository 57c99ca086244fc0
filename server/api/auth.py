"""API sign-in and token management: ``/api/v1/auth/…`` and ``/api/v1/me``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import auth
from ..declarations.records import context_for
from ..errors import AppError, BadRequest, NotAuthenticated, PermissionDenied
from ..i18n import N_
from ..models import ApiToken, Establishment, User
from ..settings import Settings
from ..web import account
from .common import establishment_json, read_body, read_json, token_json, unit_json, user_json


async def _credentials(request: Request) -> tuple[str, str, str, str]:
    """Username, password, token name and second-factor code (may be empty) from JSON or
    an OAuth2 password-grant form."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        from urllib.parse import parse_qs

        raw = (await read_body(request, 16 * 1024)).decode("utf-8", "replace")
        form = {k: v[-1] for k, v in parse_qs(raw).items()}
        grant = form.get("grant_type", "password")
        if grant != "password":
            raise BadRequest(N_("Only the password grant is supported."), code="unsupported_grant")
        data: object = form
    else:
        data = await read_json(request, 16 * 1024)
    if not isinstance(data, dict):
        raise BadRequest(N_("Send a username and a password."), code="missing_credentials")
    username, password = data.get("username"), data.get("password")
    name = data.get("token_name") or data.get("client_name") or "api"
    if not isinstance(username, str) or not isinstance(password, str) or not username:
        raise BadRequest(N_("Send a username and a password."), code="missing_credentials")
    code = data.get("code") or data.get("otp") or ""
    return username, password, str(name)[:100], str(code)[:40]


async def create_token(request: Request) -> Response:
    username, password, name, code = await _credentials(request)
    try:
        user = await auth.authenticate(username, password, auth.client_ip(request))
    except AppError:
        await auth.audit(request, "login_failed", None, target=username[:64], via="api")
        raise
    settings = request.app.state.settings
    await _check_steps(request, user, settings, code)
    await auth.second_factor_passed(user, auth.client_ip(request))
    secret, token = await auth.issue_token(user, name, auth.token_max_age(user, settings))
    await auth.audit(request, "token_created", user, target=token.id, via="password")
    return JSONResponse(
        {
            "access_token": secret,
            "token_type": "bearer",
            "expires_in": auth.token_max_age(user, settings),
            "token": token_json(token),
            "user": user_json(user),
        },
        headers={"Cache-Control": "no-store"},
    )


async def _check_steps(request: Request, user: User, settings: Settings, code: str) -> None:
    """The API has no pages for the sign-in steps: it asks for the code in the same
    request and sends anything else (a new password, enrolment) to the website."""
    step = auth.next_step(user, settings)
    if step == "code":
        if not code:
            raise NotAuthenticated(
                N_("Type the 6-digit code from your authenticator app."),
                code="second_factor_required",
            )
        if not await account.check_second_factor(user, code, settings):
            await auth.second_factor_failed(user, auth.client_ip(request))
            await auth.audit(request, "login_code_failed", user, via="api")
            raise NotAuthenticated(
                N_("This code is not right. Type the 6 digits the app shows now."),
                code="invalid_code",
            )
        step = auth.next_step(user, settings, code_done=True)
    if step == "password":
        raise PermissionDenied(
            N_("Your password was reset. Sign in on the website to choose a new one."),
            code="password_change_required",
        )
    if step == "enrol":
        raise PermissionDenied(
            N_("Set up two-factor sign-in on the website first."),
            code="second_factor_enrolment_required",
        )


async def list_tokens(request: Request) -> Response:
    user = auth.require(request)
    tokens = await ApiToken.filter(user_id=user.id).order_by("-id")
    return JSONResponse({"tokens": [token_json(t) for t in tokens]})


async def revoke_token(request: Request) -> Response:
    """Revoke one of the caller's own tokens. Someone else's is "not found"."""
    user = auth.require(request)
    token = await auth.revoke_token(request, user, request.path_params["token_id"], via="api")
    return JSONResponse({"token": token_json(token)})


async def me(request: Request) -> Response:
    user = auth.require(request)
    body = user_json(user)
    body["police_unit"] = unit_json(user.police_unit)
    answer: dict[str, Any] = {"user": body}
    if user.establishment_id is not None:
        # What the PWA needs to check declarations offline exactly as the server will.
        establishment = await Establishment.get(id=user.establishment_id)
        settings = request.app.state.settings
        context = context_for(establishment, settings, datetime.now(UTC))
        answer["establishment"] = establishment_json(establishment)
        answer["rules"] = {**context.as_json(), "batch_max": settings.batch_max}
    answer["server_time"] = datetime.now(UTC).isoformat()
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})
