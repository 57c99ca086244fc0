"""Keyset pages: the id a listing continues after (or before), read from the query."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.requests import Request
from tortoise.models import Model
from tortoise.queryset import QuerySet

from .errors import BadRequest
from .i18n import N_

_WHOLE = re.compile(r"[0-9]{1,18}")


def whole(raw: str) -> bool:
    """Whether ``raw`` is a whole number that fits a 64-bit column (ASCII digits only:
    ``str.isdigit`` also accepts "²", which ``int`` refuses)."""
    return _WHOLE.fullmatch(raw) is not None


def integer(value: object) -> int | None:
    """A JSON integer that fits a 64-bit column: 4, and 4.0 too (JSON Schema counts it
    as one); never a boolean."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63:
        return value
    return None


def cursor(request: Request, name: str) -> int | None:
    """The row id in query parameter ``name``; None when absent, 400 when not an id."""
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    if not whole(raw):
        raise BadRequest(N_("Unknown page."), code="bad_cursor")
    return int(raw)


M = TypeVar("M", bound=Model)
R = TypeVar("R")


def split(rows: list[R], size: int, key: Callable[[R], Any]) -> tuple[list[R], Any]:
    """Rows fetched with ``limit(size + 1)``: the page, and the cursor of the next page
    (the key of the page's last row), or None when this is the last page."""
    return rows[:size], key(rows[size - 1]) if len(rows) > size else None


async def by_id(
    request: Request, query: QuerySet[M], size: int, *, newest_first: bool = False
) -> tuple[list[M], int | None]:
    """One keyset page of ``query`` in id order: ascending after ``?after=``, or newest
    first before ``?before=``; with the next page's cursor (None on the last)."""
    if newest_first:
        before = cursor(request, "before")
        query = query.filter(id__lt=before) if before is not None else query
        query = query.order_by("-id")
    else:
        after = cursor(request, "after")
        query = query.filter(id__gt=after) if after is not None else query
        query = query.order_by("id")
    rows = await query.limit(size + 1)
    return split(rows, size, lambda row: row.pk)
