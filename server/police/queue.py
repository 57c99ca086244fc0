"""The review queue: declarations of the officer's jurisdiction, flagged first, then by
arrival; filters; keyset pagination (never OFFSET); counts per review state."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from .. import auth, scope
from ..declarations import flags
from ..declarations.rules import VIETNAM, ascii_name
from ..errors import BadRequest
from ..i18n import N_
from ..models import POLICE_ROLES, Declaration, ReviewState
from ..templating import render_page

PAGE_SIZE = 50
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


def parse_filters(params: QueryParams) -> Filters:
    state = params.get("state", "new") or "new"
    if state != "all" and state not in STATES:
        raise _bad(N_("Unknown status."))
    flag = params.get("flag", "")
    if flag not in ("", "any", "none", *flags.FLAGS):
        raise _bad(N_("Unknown flag."))
    raw_establishment = params.get("establishment", "")
    if raw_establishment and not raw_establishment.isdigit():
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
    )


def _vietnam_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=VIETNAM)


def filtered(
    base: QuerySet[Declaration], f: Filters, *, with_state: bool = True
) -> QuerySet[Declaration]:
    """Apply every filter (the review state only when ``with_state``)."""
    query = base
    if with_state and f.state != "all":
        query = query.filter(review_state=f.state)
    if f.flag == "any":
        query = query.filter(queue_rank=flags.FLAGGED)
    elif f.flag == "none":
        query = query.filter(queue_rank=flags.CLEAN)
    elif f.flag:
        query = query.filter(flags__contains=f" {f.flag} ")
    if f.establishment is not None:
        query = query.filter(establishment_id=f.establishment)
    if f.nationality:
        query = query.filter(nationality=f.nationality)
    if f.arrived_from:
        query = query.filter(arrived_at__gte=_vietnam_midnight(f.arrived_from))
    if f.arrived_to:
        query = query.filter(arrived_at__lt=_vietnam_midnight(f.arrived_to + timedelta(days=1)))
    if f.document:
        query = query.filter(document_number=f.document)
    if f.name:
        prefix = ascii_name(f.name).lower()
        # A name with no Latin letters in it matches nobody.
        query = (
            query.filter(name_search__startswith=prefix)
            if prefix
            else query.filter(id__isnull=True)
        )
    return query


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


async def state_counts(base: QuerySet[Declaration], f: Filters) -> dict[str, int]:
    rows: list[dict[str, Any]] = await (
        filtered(base, f, with_state=False)
        .annotate(n=Count("id"))
        .group_by("review_state")
        .values("review_state", "n")
    )
    counts = dict.fromkeys(STATES, 0)
    for row in rows:
        counts[str(row["review_state"])] = int(row["n"])
    counts["all"] = sum(counts.values())
    return counts


async def page(request: Request) -> Response:
    user = auth.require(request, POLICE_ROLES)
    f = parse_filters(request.query_params)
    base = scope.declarations(user)
    query = filtered(base, f)
    after = request.query_params.get("after", "")
    if after:
        query = query.filter(_after(after))
    rows = await (
        query.order_by("queue_rank", "arrived_at", "id")
        .limit(PAGE_SIZE + 1)
        .select_related("establishment")
    )
    next_after = _cursor(rows[PAGE_SIZE - 1]) if len(rows) > PAGE_SIZE else None
    establishments = await scope.establishments(user).order_by("name").limit(500)
    return render_page(
        request,
        "police/queue.html",
        {
            "rows": rows[:PAGE_SIZE],
            "f": f,
            "counts": await state_counts(base, f),
            "states": STATES,
            "flag_labels": flags.FLAGS,
            "establishments": establishments,
            "next_after": next_after,
            "flag_codes": flags.parse,
        },
    )
