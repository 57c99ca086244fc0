"""Logs an operator can ship, with no guest in them.

Every HTTP request gets an id: the caller's ``X-Request-ID`` when it is a plain token
(letters, digits, ``.``, ``_``, ``-``, at most 64), else a new one. It goes back in the
answer's ``X-Request-ID`` header and into every log line written while the request runs,
so a receptionist's "it failed at 10:02" finds its line.

The access line names the route's template (``/api/v1/declarations/{id}``), never the
path or query string: a name search (``?name=``) or a document number must not reach a
log. uvicorn's own access log, which prints the whole URL, is turned off for that reason.
``LOG_FORMAT=json`` writes one JSON object per line (time, level, logger, message,
request_id and the access line's fields); ``text`` (the default) is for people.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import metrics
from .settings import Settings

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
HEADER = "x-request-id"
_TOKEN = re.compile(r"[A-Za-z0-9._-]{1,64}")
ACCESS = logging.getLogger("luutru.access")
# What an access line carries beside its message (and JSON logs write as fields).
ACCESS_FIELDS = ("method", "route", "status", "ms")
QUIET = ("tortoise", "aiosqlite", "asyncpg", "multipart")


class _WithRequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(settings: Settings) -> None:
    """The root logger's one handler, its format and level (uvicorn's loggers propagate
    to it when ``LOG_FORMAT=json``; see ``__main__.uvicorn_options``)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "luutru", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.luutru = True  # type: ignore[attr-defined]
        handler.addFilter(_WithRequestId())
        root.addHandler(handler)
    handler.setFormatter(
        JsonFormatter()
        if settings.log_format == "json"
        else logging.Formatter("%(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root.setLevel(settings.log_level.upper())
    # Their debug lines carry statements' values and rows (guests' names), whatever
    # LOG_LEVEL says: never below INFO.
    for chatty in QUIET:
        logging.getLogger(chatty).setLevel(max(logging.INFO, root.level))


def request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = str(value.decode("latin-1"))
            if _TOKEN.fullmatch(text):
                return text
    return uuid.uuid4().hex


class RequestLog:
    """The outermost middleware: the request id, the access line, the request metrics."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        token = REQUEST_ID.set(rid)
        base = scope.get("root_path", "")
        started = time.perf_counter()
        status = 500  # if the app fails before it answers

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - started
            route = metrics.route_of(scope, base)
            metrics.observe(scope["method"], route, status, seconds)
            ACCESS.info(
                "%s %s %s %.1f ms", scope["method"], route, status, seconds * 1000,
                extra={"method": scope["method"], "route": route, "status": status,
                       "ms": round(seconds * 1000, 1)},
            )  # fmt: skip
            REQUEST_ID.reset(token)
