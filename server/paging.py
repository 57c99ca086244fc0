"""Keyset pages: the id a listing continues after (or before), read from the query."""

from __future__ import annotations

from starlette.requests import Request

from .errors import BadRequest
from .i18n import N_


def cursor(request: Request, name: str) -> int | None:
    """The row id in query parameter ``name``; None when absent, 400 when not an id."""
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    if not raw.isdigit():
        raise BadRequest(N_("Unknown page."), code="bad_cursor")
    return int(raw)
