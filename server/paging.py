"""Keyset pages: the id a listing continues after (or before), read from the query."""

from __future__ import annotations

import re

from starlette.requests import Request

from .errors import BadRequest
from .i18n import N_

_WHOLE = re.compile(r"[0-9]{1,18}")


def whole(raw: str) -> bool:
    """Whether ``raw`` is a whole number that fits a 64-bit column (ASCII digits only:
    ``str.isdigit`` also accepts "²", which ``int`` refuses)."""
    return _WHOLE.fullmatch(raw) is not None


def cursor(request: Request, name: str) -> int | None:
    """The row id in query parameter ``name``; None when absent, 400 when not an id."""
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    if not whole(raw):
        raise BadRequest(N_("Unknown page."), code="bad_cursor")
    return int(raw)
