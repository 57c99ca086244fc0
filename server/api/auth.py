"""API sign-in and token management: ``/api/v1/auth/…`` and ``/api/v1/me``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import auth
from ..declarations.service import context_for
from ..errors import AppError, BadRequest
from ..i18n import N_
from ..models import ApiToken, Establishment
from .common import establishment_json, read_body, read_json, token_json, unit_json, user_json


async def _credentials(request: Request) -> tuple[str, str, str]:
    """Username, password and token name from JSON or an OAuth2 password-grant form."""
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
    return username, password, str(name)[:100]


async def create_token(request: Request) -> Response:
    username, password, name = await _credentials(request)
    try:
        user = await auth.authenticate(username, password)
    except AppError:
        await auth.audit(request, "login_failed", None, target=username[:64], via="api")
        raise
    settings = request.app.state.settings
    secret, token = await auth.issue_token(user, name, settings.token_max_age)
    await auth.audit(request, "token_created", user, target=token.id, via="password")
    return JSONResponse(
        {
            "access_token": secret,
            "token_type": "bearer",
            "expires_in": settings.token_max_age,
            "token": token_json(token),
            "user": user_json(user),
        },
        headers={"Cache-Control": "no-store"},
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
