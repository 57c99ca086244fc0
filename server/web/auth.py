"""Signing in and out of the web pages, and choosing the language."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .. import auth, middleware
from ..errors import AppError
from ..models import Role, User
from ..templating import render_page


def home_path(request: Request, user: User) -> str:
    """Where a user lands after signing in: the hotel side or the police console."""
    if user.role.is_hotel:
        return str(request.app.url_path_for("hotel:home"))
    if user.role == Role.ADMIN:
        return str(request.app.url_path_for("admin:home"))
    return str(request.app.url_path_for("police:home"))


def safe_next(value: str | None) -> str | None:
    """Only a path on this site: never another host (open redirect). Browsers drop tabs,
    line breaks and other control characters from URLs (``/\t/evil.example/`` becomes
    ``//evil.example/``), and treat a backslash as a slash: any of those, or a blank, is
    refused outright."""
    if not value or not value.startswith("/"):
        return None
    if any(ch in value for ch in "\\ ") or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in value):
        return None
    if value.startswith("//"):
        return None
    return value


async def root(request: Request) -> Response:
    user = request.scope.get("user")
    if user is None:
        return RedirectResponse(request.app.url_path_for("login"), status_code=303)
    return RedirectResponse(home_path(request, user), status_code=303)


async def login_page(request: Request) -> Response:
    if request.scope.get("user") is not None:
        return RedirectResponse(home_path(request, request.scope["user"]), status_code=303)
    return render_page(
        request,
        "login.html",
        {"next": request.query_params.get("next", ""), "username": "", "errors": {}},
    )


async def login(request: Request) -> Response:
    form = await auth.read_form(request)
    username = form.get("username", "")
    settings = request.app.state.settings
    try:
        user = await auth.authenticate(username, form.get("password", ""), auth.client_ip(request))
    except AppError as error:
        await auth.audit(request, "login_failed", None, target=username[:64], via="web")
        return render_page(
            request,
            "login.html",
            {
                "errors": {"": error.translated()},
                "next": form.get("next", ""),
                "username": username,
            },
            status_code=error.status,
            headers=error.headers,
        )
    step = auth.next_step(user, settings)
    if step != "code":  # no code to wait for: the sign-in is sound
        await auth.second_factor_passed(user, auth.client_ip(request))
    await auth.end_session(request)  # whatever this browser had before
    key = await auth.start_session(request, user, settings, pending=step)
    target = safe_next(form.get("next")) or home_path(request, user)
    if step:
        await auth.audit(request, "login_password_ok", user, via="web", next_step=step)
        target = step_path(request, step, target)
    else:
        await auth.audit(request, "login", user, via="web")
    response = RedirectResponse(target, status_code=303)
    auth.set_session_cookie(response, key, settings)
    return response


STEP_ROUTES = {"code": "login_code", "password": "password", "enrol": "two_factor"}


def step_path(request: Request, step: str, after: str) -> str:
    """The page of a sign-in step, carrying where to go once signed in."""
    path = request.app.url_path_for(STEP_ROUTES[step])
    return f"{path}?{urlencode({'next': after})}"


async def logout(request: Request) -> Response:
    await auth.read_form(request)
    user = request.scope.get("user")
    await auth.end_session(request)
    if user is not None:
        await auth.audit(request, "logout", user, via="web")
    response = RedirectResponse(request.app.url_path_for("login"), status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE)
    return response


async def set_language(request: Request) -> Response:
    """Switch the language; remembered on the account, or in a cookie before sign-in."""
    form = await auth.read_form(request)
    settings = request.app.state.settings
    lang = form.get("lang", "")
    if lang not in settings.languages:
        lang = settings.default_language
    user = request.scope.get("user")
    if user is not None:
        user.language = lang
        await User.filter(id=user.id).update(language=lang)
    target = safe_next(form.get("next")) or request.app.url_path_for("root")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        middleware.LANG_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        samesite="lax",
        httponly=True,
        secure=settings.cookie_secure,
    )
    return response
