"""Keyset pages: the id a listing continues after (or before), read from the query;
and long listings read in chunks."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from starlette.requests import Request
from tortoise.expressions import Q
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


async def in_chunks(
    query: QuerySet[M], column: str, size: int, most: int
) -> AsyncIterator[list[M]]:
    """``query`` (ordered by ``column``, then id) ``size`` rows at a time, at most ``most``
    in all, the event loop free between: each chunk's rows are built on the loop, and a
    long listing built at once would hold every other request of the process. Each
    chunk continues after the last row read: ``column`` at least its value, and past it
    or past its id. (Not ``exclude(column=…, id__lte=…)``: Tortoise makes that NOT a AND
    NOT b, which dropped every later row whose id sorted before the last one's.)"""
    taken = 0
    page = query
    while taken < most:
        want = min(size, most - taken)
        rows = await page.limit(want)
        if rows:
            yield rows
        if len(rows) < want:
            return
        taken += want
        value, row_id = getattr(rows[-1], column), rows[-1].pk
        page = query.filter(**{f"{column}__gte": value}).filter(
            Q(**{f"{column}__gt": value}) | Q(id__gt=row_id)
        )
        await asyncio.sleep(0)
