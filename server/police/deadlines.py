"""Review deadlines: each ward unit has a review target (hours from receipt); a
declaration still waiting for a decision after it is overdue. The queue highlights and
counts overdue work; supervisors see decisions by officer and the on-time rate."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from tortoise.expressions import Q

from .. import auth, db, paging, scope
from ..declarations import lifecycle
from ..errors import BadRequest, ValidationFailed
from ..i18n import N_
from ..models import (
    SUPERVISOR_ROLES,
    Declaration,
    DeclarationEvent,
    ReviewState,
    UnitKind,
    User,
)
from ..templating import render_page

WAITING = (ReviewState.NEW, ReviewState.ESCALATED)
DECISION_ACTIONS = lifecycle.DECISION_EVENTS
TARGET_RANGE = (1, 720)
DEFAULT_TARGET_HOURS = 24  # the model's default, for a unit missing from the map
PERIODS = (1, 7, 30)
COUNT_CAP = 2_000  # tabs show "2,000+" past it: a bounded walk of an index


@dataclass
class Deadlines:
    """The review target of every ward unit in a user's scope, as of ``now``."""

    now: datetime
    hours: dict[int, int] = field(default_factory=dict)

    def target(self, unit_id: int) -> timedelta:
        return timedelta(hours=self.hours.get(unit_id, DEFAULT_TARGET_HOURS))

    def is_overdue(self, d: Declaration) -> bool:
        return d.review_state in WAITING and self.past_target(d.police_unit_id, d.received_at)

    def past_target(self, unit_id: int, received: datetime) -> bool:
        """Whether a declaration received then, waiting in that unit, is overdue now."""
        return received < self.now - self.target(unit_id)

    def on_time(self, unit_id: int, received: datetime, decided: datetime) -> bool:
        return decided - received <= self.target(unit_id)

    def overdue(self, received: str = "received_at", state: str | None = None) -> Q:
        """Declarations waiting past their unit's target (to combine with the scope).
        ``received``: the field, or an annotation of it, that holds the time received;
        ``state``: one of the waiting states only."""
        by_hours: dict[int, list[int]] = defaultdict(list)
        for unit_id, hours in self.hours.items():
            by_hours[hours].append(unit_id)
        waiting = Q(review_state=state) if state else Q(review_state__in=list(WAITING))
        if len(by_hours) <= 1:  # one target for the whole scope: no unit list needed
            hours = next(iter(by_hours), DEFAULT_TARGET_HOURS)
            cutoff: dict[str, Any] = {f"{received}__lt": self.now - timedelta(hours=hours)}
            return waiting & Q(**cutoff)
        late = Q(id__isnull=True)
        for hours, units in by_hours.items():
            before: dict[str, Any] = {f"{received}__lt": self.now - timedelta(hours=hours)}
            late |= Q(police_unit_id__in=units, **before)
        return waiting & late


async def for_user(user: User, now: datetime | None = None) -> Deadlines:
    rows = await (
        scope.police_units(user).filter(kind=UnitKind.WARD).values_list("id", "review_target_hours")
    )
    return Deadlines(now or datetime.now(UTC), {int(u): int(h) for u, h in rows})


async def overdue_count(user: User, deadlines: Deadlines) -> int:
    return await db.count_up_to(scope.declarations(user).filter(deadlines.overdue()), COUNT_CAP)


async def _by_officer(user: User, deadlines: Deadlines, since: datetime) -> list[dict[str, Any]]:
    """Decisions since ``since`` by each officer of the scope, on time or late."""
    rows = await (
        DeclarationEvent.filter(
            action__in=list(DECISION_ACTIONS),
            at__gte=since,
            declaration__police_unit_id__in=list(deadlines.hours),
        )
        .limit(200_000)
        .values(
            "at", "user__username", "user__full_name", "declaration__received_at",
            "declaration__police_unit_id",
        )
    )  # fmt: skip
    officers: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = row["user__username"] or ""
        entry = officers.setdefault(
            key, {"username": key, "full_name": row["user__full_name"] or "", "decided": 0,
                  "late": 0},
        )  # fmt: skip
        entry["decided"] += 1
        if not deadlines.on_time(
            row["declaration__police_unit_id"], row["declaration__received_at"], row["at"]
        ):
            entry["late"] += 1
    for entry in officers.values():
        entry["rate"] = (entry["decided"] - entry["late"]) / entry["decided"]
    return sorted(officers.values(), key=lambda e: (-e["late"], e["username"]))


async def page(request: Request) -> Response:
    """Supervisors: the units' targets, overdue work now, decisions by officer."""
    user = auth.require(request, SUPERVISOR_ROLES)
    raw = request.query_params.get("days", "7")
    if not paging.whole(raw) or int(raw) not in PERIODS:
        raise BadRequest(N_("Unknown period."), code="bad_filter")
    days = int(raw)
    deadlines = await for_user(user)
    officers = await _by_officer(user, deadlines, deadlines.now - timedelta(days=days))
    decided = sum(o["decided"] for o in officers)
    late = sum(o["late"] for o in officers)
    units = await scope.police_units(user).filter(kind=UnitKind.WARD).order_by("code").limit(500)
    overdue_by_unit: dict[int, int] = {}
    if len(units) <= 50:  # a ward, or a small province: one bounded count per unit
        for unit in units:
            overdue_by_unit[unit.id] = await db.count_up_to(
                scope.declarations(user).filter(police_unit_id=unit.id).filter(deadlines.overdue()),
                COUNT_CAP,
            )
    return render_page(
        request,
        "police/deadlines.html",
        {
            "days": days,
            "periods": PERIODS,
            "officers": officers,
            "decided": decided,
            "on_time_rate": (decided - late) / decided if decided else None,
            "overdue": await overdue_count(user, deadlines),
            "count_cap": COUNT_CAP,
            "units": units,
            "overdue_by_unit": overdue_by_unit,
            "saved": request.query_params.get("saved") == "1",
            "target_range": TARGET_RANGE,
        },
    )


async def set_target(request: Request) -> Response:
    user = auth.require(request, SUPERVISOR_ROLES)
    form = await auth.read_form(request)
    raw_unit, raw_hours = form.get("unit", ""), form.get("hours", "")
    if not paging.whole(raw_hours) or not TARGET_RANGE[0] <= int(raw_hours) <= TARGET_RANGE[1]:
        raise ValidationFailed(N_("The review target is a whole number of hours from 1 to 720."))
    if not paging.whole(raw_unit):
        raise ValidationFailed(N_("Unknown police unit."))
    unit = await scope.police_units(user).filter(kind=UnitKind.WARD).get_or_none(id=int(raw_unit))
    if unit is None:
        raise ValidationFailed(N_("Unknown police unit."))
    before = unit.review_target_hours
    unit.review_target_hours = int(raw_hours)
    await unit.save(update_fields=["review_target_hours"])
    await auth.audit(request, "review_target", user, target=unit.code, before=before,
                     after=unit.review_target_hours)  # fmt: skip
    return RedirectResponse(request.url_for("police:deadlines").path + "?saved=1", status_code=303)
