"""The middlewares, one concern each, as Starlette's own are split: compression of the
public files; security headers on every answer; who is asking; which language; the CSRF
cookie. ``app.py`` stacks them in that order (the first is the outermost)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import auth, errors, i18n, inflight, metrics, security
from .models import User
from .settings import Settings

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(self), geolocation=(), microphone=()",
}
LANG_COOKIE = "lang"
# Files that are the same for everyone (the app shell, styles): cacheable even signed in.
PUBLIC_FILES = ("/static/", "/app/")


class _HttpOnly:
    """A middleware that acts on HTTP requests and passes anything else through."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


def _on_start(send: Send, change: Callable[[MutableHeaders], None]) -> Send:
    """``send``, with ``change(headers)`` applied to the response's headers."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            change(MutableHeaders(scope=message))
        await send(message)

    return sending


class CompressFiles:
    """gzip for what the browser asked for itself: every public file (the app shell,
    styles, scripts), and pages and API answers when the request came from our own pages
    or was typed in (``Sec-Fetch-Site: same-origin`` or ``none``), or from software with
    its own token (an ``Authorization`` header and no browser fetch metadata).

    Why not always: a page holds secrets (the CSRF token, a guest's data) next to text the
    request chose; compressed, its length would tell an eavesdropper who can make the
    victim's browser send requests how well a guess matched (BREACH). Such requests come
    from another site, and are answered uncompressed. Never compressed: the live queue's
    event stream (Starlette leaves text/event-stream alone), PDFs and spreadsheets
    (compressed already). Large bodies are compressed in a worker thread (Starlette's)."""

    SAME_SITE = (b"same-origin", b"none")

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.gzip = GZipMiddleware(
            app,
            minimum_size=512,
            # zlib's default level. Starlette's 9 took 69 µs against 53 for the same
            # size, on a batch's answer (17.7 → 2.7 kB), on the main thread.
            compresslevel=6,
            exclude_content_types=(
                *DEFAULT_EXCLUDED_CONTENT_TYPES,
                "application/pdf",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._safe(scope):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _safe(self, scope: Scope) -> bool:
        if scope["path"].startswith(PUBLIC_FILES):
            return True
        headers = dict(scope["headers"])
        site = headers.get(b"sec-fetch-site")
        if site is not None:
            return site in self.SAME_SITE
        return b"authorization" in headers  # no other site can make a browser add it


class SecurityHeaders(_HttpOnly):
    """The content security policy and its companions, on every answer."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        def add(headers: MutableHeaders) -> None:
            for name, value in SECURITY_HEADERS.items():
                headers.setdefault(name, value)

        await self.app(scope, receive, _on_start(send, add))


class Admission(_HttpOnly):
    """Load shedding for the API: at most ``API_CONCURRENCY`` requests of a process at
    work and as many waiting, each at most ``API_QUEUE_SECONDS`` for a place; the next
    ones, and those whose wait runs out, get 503 with ``Retry-After`` (2–5 s, spread)
    before any database work. After an outage thousands of phones reconnect at once:
    each learns fast to come back later, instead of piling up behind the others for tens
    of seconds. Nothing is lost: a refused batch stays in the phone's outbox and its
    resend is answered exactly once."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        settings = scope["app"].state.settings  # (tests change it on the fly)
        places = self._places(scope["app"], settings.api_concurrency)
        # One credential (a token, a session) at most API_CONCURRENCY_PER_CLIENT at once,
        # checked before it takes a place: one hotel system sending in parallel cannot
        # take every place of the process from the others.
        credential = _credential(scope)
        if not places.enter(credential, settings.api_concurrency_per_client):
            await self._refuse(scope, receive, send, errors.TooManyRequests(), 1)
            return
        try:
            if not await places.take(settings.api_queue_seconds):
                await self._refuse(scope, receive, send, errors.ServiceUnavailable(), 2)
                return
            try:
                await self.app(scope, receive, send)
            finally:
                places.release()
        finally:
            places.leave(credential)

    @staticmethod
    async def _refuse(
        scope: Scope, receive: Receive, send: Send, error: errors.AppError, after: int
    ) -> None:
        """Answered before any database work: to come back in ``after`` seconds or a little
        more (``errors.come_back_in``)."""
        scope[metrics.SHED] = True  # its access line and metrics say so (not routed)
        i18n.set_locale(pick_language(HTTPConnection(scope), None, scope["app"].state.settings))
        refusal = errors.come_back_in(error, after)
        await errors.render(Request(scope, receive), refusal)(scope, receive, send)

    @staticmethod
    def _places(app: Any, size: int) -> Places:
        """The process's places (one per event loop: the tests run one per test)."""
        loop = asyncio.get_running_loop()
        found: Places | None = getattr(app.state, "api_places", None)
        if found is None or found.loop is not loop or found.size != size:
            found = app.state.api_places = Places(loop, size)
        return found


def _credential(scope: Scope) -> str | None:
    """What a request signs in with (its bearer token, or its session cookie), or None."""
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for name, value in headers:
        if name == b"authorization":
            return value.decode("latin-1")
    session: str | None = HTTPConnection(scope).cookies.get(auth.SESSION_COOKIE)
    return f"cookie {session}" if session else None


class Places:
    """``size`` places at work, and as many waiting for one; and the requests of each
    credential, at work or waiting."""

    def __init__(self, loop: asyncio.AbstractEventLoop, size: int) -> None:
        self.loop, self.size = loop, size
        self._free = asyncio.Semaphore(size)
        self._waiting = 0
        self._per_credential = inflight.Counts()

    def enter(self, credential: str | None, most: int) -> bool:
        """Count one more request of ``credential``, unless it has ``most`` already."""
        # None: signing in, the sign-in throttle's business
        return credential is None or self._per_credential.enter(credential, most)

    def leave(self, credential: str | None) -> None:
        if credential is not None:
            self._per_credential.leave(credential)

    async def take(self, patience: float) -> bool:
        if not self._free.locked():
            await self._free.acquire()  # a free place: taken at once
            return True
        if self._waiting >= self.size:
            return False  # the queue is full: no use waiting behind it
        self._waiting += 1
        try:
            await asyncio.wait_for(self._free.acquire(), patience)
        except TimeoutError:
            return False
        finally:
            self._waiting -= 1
        return True

    def release(self) -> None:
        self._free.release()


class Caller(_HttpOnly):
    """Who is asking (``auth.resolve``): sets ``scope["user"]`` and friends. Clears a
    dead session cookie, and keeps signed-in answers out of the browser's cache."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        scope.update(user=None, auth_error=False)
        if not path.startswith("/static/"):
            scope.update(await auth.resolve(HTTPConnection(scope), self.settings))
        signed_in = scope["user"] is not None or "pending_session" in scope

        def change(headers: MutableHeaders) -> None:
            if scope["auth_error"] and not path.startswith("/api/"):
                headers.append("set-cookie", f"{auth.SESSION_COOKIE}=; Path=/; Max-Age=0")
            if signed_in and not path.startswith(PUBLIC_FILES):
                # Guests' data must not stay in the browser's cache (Back after sign-out,
                # a shared computer's disk): nothing a signed-in user gets.
                headers["cache-control"] = "no-store"

        await self.app(scope, receive, _on_start(send, change))


def pick_language(conn: HTTPConnection, user: User | None, settings: Settings) -> str:
    """The account's language, else the cookie's, else the browser's best match."""
    for candidate in (user.language if user else None, conn.cookies.get(LANG_COOKIE)):
        if candidate in settings.languages:
            return str(candidate)
    return i18n.negotiate(
        conn.headers.get("accept-language", ""), settings.languages, settings.default_language
    )


class Language(_HttpOnly):
    """The request's language, after ``Caller`` (an account's choice comes first). It is
    left set for the request's task: the 500 handler, which runs outside the
    middlewares, still renders in the caller's language."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        i18n.set_locale(pick_language(HTTPConnection(scope), scope.get("user"), self.settings))
        await self.app(scope, receive, send)


class CsrfCookie(_HttpOnly):
    """The double-submit CSRF cookie for pages' forms: minted on the first page."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        csrf = HTTPConnection(scope).cookies.get(auth.CSRF_COOKIE, "")
        fresh = "" if csrf else security.new_secret()
        scope.setdefault("state", {})["csrf_token"] = csrf or fresh
        secure = "; Secure" if self.settings.cookie_secure else ""

        def change(headers: MutableHeaders) -> None:
            if fresh and not scope["path"].startswith(("/api/", "/static/")):
                headers.append(
                    "set-cookie",
                    f"{auth.CSRF_COOKIE}={fresh}; Path=/; SameSite=Strict; HttpOnly{secure}",
                )

        await self.app(scope, receive, _on_start(send, change))


class RefuseNul(_HttpOnly):
    """No text with a NUL character gets past the door: PostgreSQL cannot store one (it
    would be a 500 deep inside a query), and no name, number or note has one. Query
    strings and paths here; JSON bodies and forms where they are read."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if b"%00" in scope["query_string"] or "\x00" in scope["path"]:
            response = errors.render(Request(scope, receive), errors.nul_refused())
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
