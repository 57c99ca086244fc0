"""Export of the filtered queue as CSV (UTF-8 with a byte-order mark, which Excel needs
to read Vietnamese letters), streamed in keyset chunks and recorded in the access log.
An account runs at most ``EXPORTS_AT_ONCE`` of them at a time in a process: each reads up
to ``EXPORT_MAX`` rows, and a script (or a stolen session) starting hundreds at once
would take the database from everyone else."""

from __future__ import annotations

import csv
import io
import weakref
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from .. import auth, inflight, paging, scope
from ..declarations import fields, flags
from ..declarations.context import VIETNAM
from ..errors import TooManyRequests
from ..i18n import N_
from ..models import POLICE_ROLES, Declaration, User
from . import access
from .deadlines import Deadlines
from .deadlines import for_user as deadlines_for
from .queue import Filters, filtered, parse_filters

EXPORT_MAX = 50_000
EXPORTS_AT_ONCE = 2
_running = inflight.Counts()  # account → its exports running in this process
CHUNK = 50  # rows a query: a chunk holds the event loop while it is built (bench/export.py)
# The exported fields of the table, between the receipt and the record's states.
COLUMNS = (
    "receipt_number",
    *(f.name for f in fields.EXPORTED),
    "establishment",
    "state",
    "review_state",
    "flags",
    "received_at",
)


def _cells(d: Declaration) -> list[str]:
    values = {
        **{f.name: getattr(d, f.name) for f in fields.EXPORTED},
        "receipt_number": d.receipt_number,
        "arrived_at": d.arrived_at.astimezone(VIETNAM).isoformat(timespec="minutes"),
        "received_at": d.received_at.astimezone(VIETNAM).isoformat(timespec="seconds"),
        "establishment": d.establishment.name,
        "state": d.state,
        "review_state": d.review_state.value,
        "flags": " ".join(flags.parse(d.flags)),
    }
    return [safe_cell("" if values[name] is None else str(values[name])) for name in COLUMNS]


def safe_cell(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _line(cells: list[str] | tuple[str, ...]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue()


def _start_export(user_id: int) -> Callable[[], None]:
    """Count one export of the account as running; its release (idempotent). Past
    ``EXPORTS_AT_ONCE``: 429, before anything is read or logged."""
    if not _running.enter(user_id, EXPORTS_AT_ONCE):
        error = TooManyRequests(
            N_("Your other exports are still being prepared. Wait for them, then try again."),
            code="exports_running",
        )
        error.headers = {"Retry-After": "10"}
        raise error
    released = False

    def release() -> None:
        nonlocal released
        if not released:
            released = True
            _running.leave(user_id)

    return release


async def _rows(
    user: User, f: Filters, deadlines: Deadlines, release: Callable[[], None]
) -> AsyncIterator[str]:
    try:
        async for text in _chunks(user, f, deadlines):
            yield text
    finally:
        release()


async def _chunks(user: User, f: Filters, deadlines: Deadlines) -> AsyncIterator[str]:
    yield "\ufeff" + _line(COLUMNS)
    query = (
        filtered(scope.declarations(user), f, deadlines)
        .order_by("received_at", "id")
        .select_related("establishment")
    )
    async for chunk in paging.in_chunks(query, "received_at", CHUNK, EXPORT_MAX):
        yield "".join(_line(_cells(d)) for d in chunk)


async def csv_file(request: Request) -> Response:
    user = auth.require(request, POLICE_ROLES)
    f = parse_filters(request.query_params)
    release = _start_export(user.id)
    try:
        deadlines = await deadlines_for(user)
        await access.record(request, user, "export", "queue.csv", **f.as_log())
    except BaseException:
        release()
        raise
    stamp = datetime.now(VIETNAM).strftime("%Y%m%d-%H%M")
    body = _rows(user, f, deadlines, release)
    weakref.finalize(body, release)  # a body never read (the browser gone before it)
    return StreamingResponse(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="declarations-{stamp}.csv"'},
    )
