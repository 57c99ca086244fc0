"""The establishment's own web page (the PWA lives under /app/)."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .. import auth, scope
from ..declarations.context import VIETNAM
from ..i18n import gettext
from ..models import HOTEL_ROLES, ApiToken, Role, User
from ..templating import render_page

# How long the owner's home page announces that the registration was approved.
APPROVAL_NOTICE = timedelta(days=14)


async def home(request: Request) -> Response:
    user = auth.require(request, HOTEL_ROLES)
    assert user.establishment_id is not None
    est = await scope.establishment(user, user.establishment_id)
    await est.fetch_related("ward", "province", "police_unit")
    accounts = await scope.users(user).order_by("username")
    recently = est.decided_at is not None and auth.now() - est.decided_at < APPROVAL_NOTICE
    return render_page(
        request,
        "hotel/home.html",
        {
            "establishment": est,
            "accounts": accounts,
            "recently_decided": recently,
            "today": auth.now().astimezone(VIETNAM).date(),
        },
    )


async def tokens(request: Request) -> Response:
    """The owner's API tokens for hotel software (PMS): list, create, revoke."""
    user = auth.require(request, [Role.OWNER])
    return await _tokens_page(request, user)


async def _tokens_page(
    request: Request, user: User, new_secret: str | None = None, error: str | None = None
) -> Response:
    rows = await ApiToken.filter(user_id=user.id).order_by("-id")
    return render_page(
        request,
        "hotel/tokens.html",
        {
            "tokens": rows,
            "new_secret": new_secret,
            "errors": {"": error} if error else {},
            "now": auth.now(),
        },
        status_code=422 if error else 200,
    )


async def create_token(request: Request) -> Response:
    user = auth.require(request, [Role.OWNER])
    form = await auth.read_form(request)
    name = form.get("name", "").strip()
    if not name or len(name) > 100:
        return await _tokens_page(
            request, user, error=gettext("Give the token a name of at most 100 characters.")
        )
    settings = request.app.state.settings
    secret, token = await auth.issue_token(user, name, auth.token_max_age(user, settings))
    await auth.audit(request, "token_created", user, target=token.id, via="web")
    return await _tokens_page(request, user, new_secret=secret)


async def revoke_token(request: Request) -> Response:
    user = auth.require(request, [Role.OWNER])
    await auth.read_form(request)
    await auth.revoke_token(request, user, request.path_params["token_id"], via="web")
    return RedirectResponse(request.app.url_path_for("hotel:tokens"), status_code=303)
