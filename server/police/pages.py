"""The police console's home and its establishments pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from tortoise.functions import Count

from .. import auth, db, paging, registration, scope
from ..declarations import flags
from ..errors import BadRequest
from ..i18n import N_, gettext
from ..models import POLICE_ROLES, AuditEvent, Establishment, EstablishmentStatus, User
from ..templating import render_page
from .deadlines import COUNT_CAP, WAITING, overdue_count
from .deadlines import for_user as deadlines_for

PAGE_SIZE = 50
FIGURES_DAYS = 30


async def home(request: Request) -> Response:
    user = auth.require(request, POLICE_ROLES)
    counts = {
        status.value: await scope.establishments(user).filter(status=status).count()
        for status in EstablishmentStatus
    }
    units = await scope.police_units(user).filter(kind="ward").count()
    waiting = scope.declarations(user).filter(review_state__in=list(WAITING))
    deadlines = await deadlines_for(user)
    work = {
        "waiting": await db.count_up_to(waiting, COUNT_CAP),
        "overdue": await overdue_count(user, deadlines),
        "flagged": await db.count_up_to(waiting.filter(queue_rank=flags.FLAGGED), COUNT_CAP),
    }
    return render_page(
        request,
        "police/home.html",
        {"counts": counts, "ward_units": units, "work": work, "cap": COUNT_CAP},
    )


async def establishments(request: Request) -> Response:
    """The establishments in the officer's area, keyset-paginated by id."""
    user = auth.require(request, POLICE_ROLES)
    query = scope.establishments(user).select_related("ward")
    status = request.query_params.get("status", "")
    if status:
        if status not in {s.value for s in EstablishmentStatus}:
            raise BadRequest(N_("Unknown status."), code="bad_filter")
        query = query.filter(status=status)
    rows, next_after = await paging.by_id(request, query, PAGE_SIZE)
    return render_page(
        request,
        "police/establishments.html",
        {
            "rows": rows,
            "figures": await _figures(user, [e.id for e in rows]),
            "days": FIGURES_DAYS,
            "status": status,
            "statuses": list(EstablishmentStatus),
            "next_after": next_after,
        },
    )


async def _figures(user: User, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Declarations received in the last FIGURES_DAYS days per establishment, and the
    share declared on time (without the "late" flag)."""
    if not ids:
        return {}
    since = datetime.now(UTC) - timedelta(days=FIGURES_DAYS)
    recent = scope.declarations(user).filter(establishment_id__in=ids, received_at__gte=since)

    async def per_establishment(query: Any) -> dict[int, int]:
        rows = await (
            query.annotate(n=Count("id"))
            .group_by("establishment_id")
            .values_list("establishment_id", "n")
        )
        return {int(e): int(n) for e, n in rows}

    totals = await per_establishment(recent)
    late = await per_establishment(recent.filter(flags__contains=" late "))
    return {
        e: {"count": n, "on_time": (n - late.get(e, 0)) / n if n else None}
        for e, n in totals.items()
    }


async def establishment(request: Request) -> Response:
    user = auth.require(request, POLICE_ROLES)
    est = await scope.establishment(user, request.path_params["establishment_id"])
    return await _establishment_page(request, user, est)


async def _establishment_page(
    request: Request, user: User, est: Establishment, problem: str | None = None
) -> Response:
    await est.fetch_related("ward", "province", "police_unit")
    accounts = await scope.users(user).filter(establishment_id=est.id).order_by("username")
    history = (
        await AuditEvent.filter(
            action__in=[f"establishment_{a}" for a in registration.TRANSITIONS],
            target=str(est.id),
        )
        .select_related("user")
        .limit(20)
    )
    return render_page(
        request,
        "police/establishment.html",
        {
            "establishment": est,
            "accounts": accounts,
            "figures": (await _figures(user, [est.id])).get(est.id),
            "days": FIGURES_DAYS,
            "status_history": history,
            "errors": {"": gettext(problem)} if problem else {},
        },
        status_code=422 if problem else 200,
    )


async def set_status(request: Request) -> Response:
    """Approve or reject a registration; suspend (the establishment can no longer
    declare) or reactivate. Rejecting and suspending need a reason, which the owner sees."""
    user = auth.require(request, POLICE_ROLES)
    est = await scope.establishment(user, request.path_params["establishment_id"])
    form = await auth.read_form(request)
    action, reason = form.get("action", ""), " ".join(form.get("reason", "").split())[:500]
    problem = registration.transition(est, action, reason, user)
    if problem:
        return await _establishment_page(request, user, est, problem)
    await est.save(
        update_fields=["status", "status_reason", "decided_at", "decided_by_id", "updated_at"]
    )
    await auth.audit(request, f"establishment_{action}", user, target=str(est.id), reason=reason)
    url = request.url_for("police:establishment", establishment_id=est.id).path
    return RedirectResponse(url, status_code=303)
