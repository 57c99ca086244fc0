"""One exception hierarchy, one renderer.

Each error carries an HTTP status and a stable machine code. Under ``/api/`` it becomes
``{"error": {"code", "message", "fields"}}``; elsewhere a translated HTML page. Nothing
else ever reaches a client: unexpected exceptions are logged and shown as a plain 500.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterator
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Match, Mount
from tortoise.exceptions import DBConnectionError, DoesNotExist, IntegrityError, OperationalError

from .i18n import N_, gettext

log = logging.getLogger("luutru")


class AppError(Exception):
    status = 400
    code = "bad_request"
    message = N_("The request could not be understood.")
    headers: dict[str, str] | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: list[dict[str, Any]] | None = None,
        **variables: Any,
    ) -> None:
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        self.fields = fields or []
        self.variables = variables
        super().__init__(self.code)

    def translated(self) -> str:
        return gettext(self.message, **self.variables)


E = TypeVar("E", bound=AppError)


class BadRequest(AppError):
    pass


class NotAuthenticated(AppError):
    status = 401
    code = "not_authenticated"
    message = N_("Please sign in.")
    headers = {"WWW-Authenticate": "Bearer"}


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    message = N_("Wrong username or password.")


class PermissionDenied(AppError):
    status = 403
    code = "forbidden"
    message = N_("You do not have access to this.")


class NotFound(AppError):
    status = 404
    code = "not_found"
    message = N_("Not found.")


class MethodNotAllowed(AppError):
    status = 405
    code = "method_not_allowed"
    message = N_("This method is not allowed here.")


class Conflict(AppError):
    status = 409
    code = "conflict"
    message = N_("Someone else changed this first. Reload and try again.")


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"
    message = N_("The request is too large.")


class ValidationFailed(AppError):
    status = 422
    code = "invalid"
    message = N_("Some fields need correcting.")


class CsrfFailed(AppError):
    status = 403
    code = "csrf_failed"
    message = N_("This form has expired. Reload the page and try again.")


class TooManyRequests(AppError):
    status = 429
    code = "too_many_requests"
    message = N_("Too many requests at once with this sign-in. Please try again in a moment.")
    headers = {"Retry-After": "2"}


def come_back_in(error: E, seconds: int) -> E:
    """``error`` with Retry-After from ``seconds`` to ``seconds`` + 3, spread so that the
    refused do not all come back at once."""
    error.headers = {"Retry-After": str(seconds + secrets.randbelow(4))}
    return error


class ServiceUnavailable(AppError):
    status = 503
    code = "unavailable"
    message = N_("The service is busy. Please try again in a moment.")
    headers = {"Retry-After": "5"}


class InternalError(AppError):
    status = 500
    code = "internal_error"
    message = N_("Something went wrong on our side. Nothing you sent was lost; please retry.")


_HTTP_ERRORS: dict[int, type[AppError]] = {
    400: BadRequest,
    401: NotAuthenticated,
    403: PermissionDenied,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def render(request: Request, error: AppError) -> Response:
    headers = dict(error.headers or {})
    if _is_api(request):
        body = {
            "error": {"code": error.code, "message": error.translated(), "fields": error.fields}
        }
        return JSONResponse(body, status_code=error.status, headers=headers)
    from .templating import render_page  # late: templating imports this module

    headers.pop("WWW-Authenticate", None)
    if isinstance(error, NotAuthenticated) and request.method in ("GET", "HEAD"):
        # A page asked for while signed out: sign in, then come back to it.
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        login = request.app.url_path_for("login")
        return RedirectResponse(f"{login}?{urlencode({'next': wanted})}", status_code=303)
    return render_page(
        request,
        "errors/error.html",
        {"error": error, "message": error.translated()},
        status_code=error.status,
        headers=headers,
    )


async def app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return render(request, exc)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error = _HTTP_ERRORS.get(exc.status_code, BadRequest)()
    error.status = exc.status_code
    if exc.headers:  # a 405's Allow, above all
        error.headers = {**(error.headers or {}), **exc.headers}
    if exc.status_code == 405:
        error.headers = {**(error.headers or {}), "Allow": ", ".join(_allowed(request))}
    return render(request, error)


def _allowed(request: Request) -> list[str]:
    """Every method some route serves at this path: Starlette's Allow names only the first
    route that matched the path (GET here, though PUT is served by the next route)."""
    methods: set[str] = set()
    top = {**request.scope, "root_path": request.scope.get("app_root_path", "")}
    pending: list[tuple[Any, dict[str, Any]]] = [(request.app.router, top)]
    while pending:
        router, scope = pending.pop()
        for route in getattr(router, "routes", ()):
            match, child = route.matches(scope)
            if match == Match.NONE:
                continue
            if isinstance(route, Mount):
                pending.append((route, {**scope, **child}))
            else:
                methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def nul_refused() -> BadRequest:
    return BadRequest(N_("Text must not contain a NUL character."), code="nul_character")


def has_nul(value: object) -> bool:
    """Whether a string anywhere in ``value`` (JSON: lists, objects, keys) holds a NUL."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


_UNAVAILABLE_HINTS = ("locked", "busy", "connection", "connect", "timeout", "shutting down")
# SQLSTATE classes: 08 connection exception, 53 insufficient resources, 57 operator
# intervention (admin shutdown, cannot connect now).
_UNAVAILABLE_SQLSTATES = ("08", "53", "57")


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it was raised from: the driver's error is usually the ORM error's
    cause (a few links at most)."""
    seen: BaseException | None = exc
    for _depth in range(5):
        if seen is None:
            return
        yield seen
        seen = seen.__cause__ or seen.__context__


def is_unavailable(exc: BaseException) -> bool:
    """A database that is busy or out of reach, as opposed to a query that is wrong."""
    for seen in _causes(exc):
        if isinstance(seen, DoesNotExist | IntegrityError):
            return False
        # Socket-level failures only: a missing file is a bug, not a busy database.
        if isinstance(seen, DBConnectionError | ConnectionError | TimeoutError):
            return True
        sqlstate = str(getattr(seen, "sqlstate", "") or "")
        if sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
            return True
        module = type(seen).__module__
        if module.startswith(("asyncpg", "sqlite3", "tortoise")) and any(
            hint in str(seen).lower() for hint in _UNAVAILABLE_HINTS
        ):
            return True
    return False


_OUT_OF_RANGE = re.compile(r"out of int\d+ range")


def is_out_of_range(exc: BaseException) -> bool:
    """A number from the request too big for its column (SQLite: OverflowError; asyncpg:
    "value out of int32 range"): the request's fault, not the server's."""
    return any(
        isinstance(seen, OverflowError) or _OUT_OF_RANGE.search(str(seen)) for seen in _causes(exc)
    )


async def database_error(request: Request, exc: Exception) -> Response:
    """A locked SQLite file or an unreachable PostgreSQL: ask the client to retry."""
    if isinstance(exc, DoesNotExist):
        return render(request, NotFound())
    return await server_error(request, exc)


OUT_OF_RANGE = N_("A number in the request is out of range.")


async def server_error(request: Request, exc: Exception) -> Response:
    if is_out_of_range(exc):
        # An id in the path too big for its column names nothing (PostgreSQL's ids are
        # 32-bit where SQLite's are 64): not found, as any other unknown id.
        if any(isinstance(v, int) for v in request.path_params.values()):
            return render(request, NotFound())
        return render(request, BadRequest(OUT_OF_RANGE, code="out_of_range"))
    if is_unavailable(exc):  # raised outside the router, e.g. while resolving the caller
        log.warning("database unavailable on %s %s: %s", request.method, _route(request), exc)
        return render(request, ServiceUnavailable())
    # The route's template, not the path: no search term or document number in a log.
    log.exception("unhandled error on %s %s", request.method, _route(request), exc_info=exc)
    return render(request, InternalError())


def _route(request: Request) -> str:
    from .metrics import route_of

    return route_of(request.scope)


EXCEPTION_HANDLERS = {
    AppError: app_error,
    HTTPException: http_error,
    DBConnectionError: database_error,
    OperationalError: database_error,
    Exception: server_error,
}
