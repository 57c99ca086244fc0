"""The review queue: declarations of the officer's jurisdiction, flagged first, then by
arrival; filters; keyset pagination (never OFFSET); counts per review state."""

from __future__ import annotations

import re
import urllib.parse
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from tortoise.expressions import F, Q
from tortoise.functions import Coalesce
from tortoise.queryset import QuerySet

from .. import auth, db, paging, scope, security
from ..declarations import feed, flags
from ..declarations.context import VIETNAM
from ..declarations.names import ascii_name
from ..errors import BadRequest
from ..i18n import N_
from ..models import POLICE_ROLES, Declaration, Establishment, ReviewState, User
from ..templating import render_page
from . import access
from .deadlines import COUNT_CAP, WAITING, Deadlines
from .deadlines import for_user as deadlines_for
from .rows import views as row_views

PAGE_SIZE = 50
COMMON = COUNT_CAP  # a name or nationality matching this many in the tab is walked (rows_page)
STATES = [s.value for s in ReviewState]


@dataclass
class Filters:
    state: str = "new"  # a review state, or "all"
    flag: str = ""  # "", "any", "none" or a flag code
    establishment: int | None = None
    nationality: str = ""
    arrived_from: date | None = None
    arrived_to: date | None = None
    document: str = ""  # exact
    name: str = ""  # prefix, diacritics and case ignored
    overdue: bool = False  # waiting past the unit's review target

    @property
    def is_search(self) -> bool:
        """Looking for a person (recorded in the access log as a search)."""
        return bool(self.document or self.name)

    def as_log(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.query_string()))

    def query_string(self, **extra: str) -> str:
        values = {
            "state": self.state,
            "flag": self.flag,
            "establishment": str(self.establishment or ""),
            "nationality": self.nationality,
            "from": self.arrived_from.isoformat() if self.arrived_from else "",
            "to": self.arrived_to.isoformat() if self.arrived_to else "",
            "doc": self.document,
            "name": self.name,
            "overdue": "1" if self.overdue else "",
            **extra,
        }
        return urlencode({k: v for k, v in values.items() if v})


def _bad(message: str, **variables: Any) -> BadRequest:
    return BadRequest(message, code="bad_filter", **variables)


def _day(raw: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _bad(N_("Not a valid date (use YYYY-MM-DD).")) from None


def parse_filters(params: Mapping[str, str]) -> Filters:
    # Looking for a person: in every state unless a tab was chosen (a confirmed guest is
    # found too).
    searching = bool(params.get("doc", "").strip() or params.get("name", "").strip())
    state = params.get("state", "") or ("all" if searching else "new")
    if state != "all" and state not in STATES:
        raise _bad(N_("Unknown status."))
    flag = params.get("flag", "")
    if flag not in ("", "any", "none", *flags.FLAGS):
        raise _bad(N_("Unknown flag."))
    raw_establishment = params.get("establishment", "")
    if raw_establishment and not paging.whole(raw_establishment):
        raise _bad(N_("Unknown establishment."))
    nationality = params.get("nationality", "").strip().upper()
    if nationality and not re.fullmatch(r"[A-Z]{1,3}", nationality):
        raise _bad(N_("Unknown code: %(value)s."), value=nationality)
    return Filters(
        state=state,
        flag=flag,
        establishment=int(raw_establishment) if raw_establishment else None,
        nationality=nationality,
        arrived_from=_day(params.get("from", "")),
        arrived_to=_day(params.get("to", "")),
        document=re.sub(r"\s+", "", params.get("doc", "")).upper()[:20],
        name=params.get("name", "").strip()[:100],
        overdue=params.get("overdue", "") == "1",
    )


def _vietnam_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=VIETNAM)


def overdue(
    query: QuerySet[Declaration],
    f: Filters,
    deadlines: Deadlines,
    *,
    in_order: bool = False,
    state: str | None = None,
) -> QuerySet[Declaration]:
    """``query``'s rows waiting past their target. For a page in the queue's order
    (``in_order``) or under a flag, nationality or establishment filter, the time received
    is compared as an expression, which no index serves: the queue's index, which holds
    those columns and the time too (migration 0009), answers alone, in its order. Compared
    as a column, the planners read the index of the time received, which looks narrower:
    SQLite visited each overdue row of the ward to test a nationality (10 → 0.3 ms at a
    million rows), and a page sorted every overdue row."""
    if in_order or f.flag or f.nationality or f.establishment is not None:
        return _opaque(query, "received_at").filter(deadlines.overdue("opaque_received_at", state))
    return query.filter(deadlines.overdue(state=state))


def _opaque(query: QuerySet[Declaration], field: str) -> QuerySet[Declaration]:
    """``query`` with ``field`` also as ``opaque_<field>``, an expression of the same value
    that no index serves, to steer a planner off that column's own index."""
    return query.annotate(**{f"opaque_{field}": Coalesce(field, F(field))})


def filtered(
    base: QuerySet[Declaration],
    f: Filters,
    deadlines: Deadlines,
    *,
    with_state: bool = True,
    common: bool = False,
) -> QuerySet[Declaration]:
    """Apply every filter (the review state only when ``with_state``). ``common``: the
    name prefix and nationality match many rows (see ``rows_page``): test them on each
    row walked in the queue's order rather than reading their ranges from their own
    indexes and sorting what they hold."""
    # (a page, with its state, is read in the queue's order; the tabs' counts are not)
    query = overdue(base, f, deadlines, in_order=with_state) if f.overdue else base
    if with_state and f.state != "all":
        query = query.filter(review_state=f.state)
    if f.flag == "any":
        query = query.filter(queue_rank=flags.FLAGGED)
    elif f.flag == "none":
        query = query.filter(queue_rank=flags.CLEAN)
    elif f.flag:  # flagged rows rank first: the index narrows the scan to them
        query = query.filter(queue_rank=flags.FLAGGED, flags__contains=f" {f.flag} ")
    if f.establishment is not None:
        query = query.filter(establishment_id=f.establishment)
    if f.arrived_from:
        query = query.filter(arrived_at__gte=_vietnam_midnight(f.arrived_from))
    if f.arrived_to:
        query = query.filter(arrived_at__lt=_vietnam_midnight(f.arrived_to + timedelta(days=1)))
    if (f.arrived_from or f.arrived_to) and not f.flag:
        # Either rank, said so: the queue's indexes hold arrivals by rank, then by time,
        # so each rank's days are one range (not a walk of the whole rank to find them).
        query = query.filter(queue_rank__in=[flags.FLAGGED, flags.CLEAN])
    if f.document:
        query = query.filter(document_number=f.document)
    prefix = ascii_name(f.name).lower() if f.name else ""
    if common:
        # As expressions no index serves: the queue's order does, and its index holds the
        # name and the nationality (migration 0010). Left as the column, PostgreSQL took
        # the name's index, guessing a prefix's share a hundred times too small
        # ('kowalski e' at a million rows: 6,956 rows read and sorted, 4–13 ms; walked
        # from the queue's index, 0.8 ms).
        if f.name and not prefix:
            query = query.filter(name_prefix(""))  # no Latin letters in it: nobody
        elif f.name:
            query = _opaque(query, "name_search").filter(opaque_name_search__startswith=prefix)
        if f.nationality:
            query = _opaque(query, "nationality").filter(opaque_nationality=f.nationality)
        return query
    if f.name:
        query = query.filter(name_prefix(prefix))
    if f.nationality:
        query = query.filter(nationality=f.nationality)
    if (f.name or f.nationality) and with_state and f.state == "all" and not f.overdue:
        # Every state, said so: the name and nationality indexes lead with the state.
        query = query.filter(review_state__in=STATES)
    return query


def name_prefix(prefix: str) -> Q:
    """Names that begin with ``prefix`` (lower-case letters and spaces), as an index range
    as well as a LIKE: the ORM wraps LIKE in a CAST that no index serves. The upper bound
    ends in a letter, so the range holds every match under any collation; the LIKE
    removes what else it holds."""
    if not prefix:
        return Q(id__isnull=True)  # a name with no Latin letters in it matches nobody
    condition = Q(name_search__gte=prefix, name_search__startswith=prefix)
    stem = prefix.rstrip("z ")
    if stem:
        condition &= Q(name_search__lt=stem[:-1] + chr(ord(stem[-1]) + 1))
    return condition


def _cursor(d: Declaration) -> str:
    return f"{d.queue_rank}~{d.arrived_at.isoformat()}~{d.id}"


def _after(raw: str) -> Q:
    """Rows after a ``rank~arrived~id`` cursor, in (queue_rank, arrived_at, id) order."""
    try:
        rank_text, arrived_text, record_id = raw.split("~")
        rank, arrived = int(rank_text), datetime.fromisoformat(arrived_text)
        record_id = str(uuid.UUID(record_id))
    except ValueError:
        raise BadRequest(N_("Unknown page."), code="bad_cursor") from None
    return (
        Q(queue_rank__gt=rank)
        | Q(queue_rank=rank, arrived_at__gt=arrived)
        | Q(queue_rank=rank, arrived_at=arrived, id__gt=record_id)
    )


async def state_counts(
    base: QuerySet[Declaration], f: Filters, deadlines: Deadlines
) -> tuple[dict[str, int], bool]:
    """Per review state, counted up to ``COUNT_CAP`` (shown as "2,000+"), so that the
    tabs cost a bounded index walk even over a million declarations; and whether the
    name prefix or nationality searched for is common (``rows_page``): at least
    ``COMMON`` rows in the tab shown. Each count is answered by an index alone
    (``db.count_up_to``, migration 0009) under any one filter, and a name with a flag."""
    query = filtered(base, f, deadlines, with_state=False)
    counts = {s: await db.count_up_to(query.filter(review_state=s), COUNT_CAP) for s in STATES}
    counts["all"] = sum(counts.values())
    counts["overdue"] = await db.count_up_to(overdue(query, f, deadlines), COUNT_CAP)
    in_tab = counts["overdue" if f.overdue else f.state]
    walked = bool(f.name or f.nationality) and not f.document and not f.overdue
    return counts, walked and in_tab >= COMMON


def capped(counts: dict[str, int]) -> set[str]:
    """The tabs whose count stopped at the cap (shown with a "+")."""
    out = {name for name, n in counts.items() if n >= COUNT_CAP}
    return out | {"all"} if out - {"overdue"} else out


async def rows_page(
    user: User, f: Filters, deadlines: Deadlines, after: str = "", *, common: bool = False
) -> tuple[list[Declaration], str | None]:
    """A page in the queue's order. A name prefix or a nationality is read from its own
    index and its rows sorted; a common one (``state_counts``: "mu" in a city ward matches
    37,000) is tested on the rows walked in the queue's order instead, which meets a page
    of matches soon because they are common (SQLite: 103 → 27 ms, bench/police_queue.py).
    In a ward of 600,000, "kowalski e" (4,200 matches) took 16 ms walked and 24 ms from
    the name index on SQLite (p95, two runs of the bench), and about the same either way
    on PostgreSQL. A nationality no guest of the ward has was walked through the whole
    ward before it had its own index: 115 ms on SQLite."""
    if f.overdue:
        # Each waiting state's first rows in the queue's order, merged. Both at once come
        # out of the index in state order, and were sorted (7 → 1 ms on SQLite). Each
        # part names its one state alone: PostgreSQL, also given the pair, read every
        # escalated row and sorted them (8.6 ms, against 0.3 walked in order).
        others = filtered(
            scope.declarations(user), replace(f, overdue=False), deadlines, with_state=False
        )
        if f.state != "all":
            others = others.filter(review_state=f.state)
        parts = [overdue(others, f, deadlines, in_order=True, state=s) for s in WAITING]
    else:
        parts = [filtered(scope.declarations(user), f, deadlines, common=common)]
    if after:
        parts = [part.filter(_after(after)) for part in parts]
    rows: list[Declaration] = []
    for part in parts:
        first = part.order_by(*QUEUE_ORDER).limit(PAGE_SIZE + 1)
        if common:
            # The page's keys first, then its rows. Asked for the key alone, PostgreSQL
            # tests the name on the index's entries as it walks them (an index-only
            # scan); asked for whole rows, it would fetch each row walked before testing
            # it, and rather reads the name's range and sorts it.
            keys = await first.values_list("id", flat=True)
            rows += await Declaration.filter(id__in=list(keys)).only(*ROW_FIELDS)
        else:
            rows += await first.only(*ROW_FIELDS)
    rows.sort(key=lambda d: (d.queue_rank, d.arrived_at, str(d.id)))
    page, next_after = paging.split(rows[: PAGE_SIZE + 1], PAGE_SIZE, _cursor)
    return page, next_after


QUEUE_ORDER = ("queue_rank", "arrived_at", "id")


# What a queue row shows: loading only these keeps a page of 50 cheap.
ROW_FIELDS = (
    "id", "full_name", "document_number", "nationality", "establishment_id", "arrived_at",
    "received_at", "flags", "queue_rank", "review_state", "police_unit_id", "room",
    "stay_status", "version",
)  # fmt: skip


async def establishment_names(rows: list[Declaration]) -> dict[int, str]:
    ids = {d.establishment_id for d in rows}
    found = await Establishment.filter(id__in=list(ids)).values_list("id", "name")
    return {int(i): str(n) for i, n in found}


def live_key(request: Request, user: User, since: int, f: Filters) -> str:
    """What binds the live stream to the queue page that was opened (and logged): the
    officer, the page's "live since" and its filters (police/live.py checks it)."""
    secret = request.app.state.settings.secret_key
    return security.sign(str(secret), f"live:{user.id}:{since}:{f.query_string()}")


async def page(request: Request) -> Response:
    user = auth.require(request, POLICE_ROLES)
    f = parse_filters(request.query_params)
    deadlines = await deadlines_for(user)
    counts, common = await state_counts(scope.declarations(user), f, deadlines)
    after = request.query_params.get("after", "")
    rows, next_after = await rows_page(user, f, deadlines, after, common=common)
    await access.record(
        request, user, "search" if f.is_search else "list", "queue", shown=len(rows), **f.as_log()
    )
    establishments = (
        await scope.establishments(user).order_by("name").limit(500).values("id", "name")
    )
    live_since = await feed.last_change_number()
    return render_page(
        request,
        "police/queue.html",
        {
            "rows": row_views(request.app, rows, await establishment_names(rows), deadlines),
            "f": f,
            "counts": counts,
            "capped": capped(counts),
            "states": STATES,
            "establishments": establishments,
            "next_after": next_after,
            "live_since": live_since,
            "live_key": live_key(request, user, live_since, f),
            "confirmed": request.query_params.get("confirmed"),
            "skipped": int(skipped)
            if paging.whole(skipped := request.query_params.get("skipped", ""))
            else 0,
            "flag_labels": flags.FLAGS,
        },
    )
