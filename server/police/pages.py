"""The police console's home and its establishments pages."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .. import auth, scope
from ..errors import BadRequest
from ..i18n import N_
from ..models import POLICE_ROLES, EstablishmentStatus
from ..templating import render_page

PAGE_SIZE = 50


async def home(request: Request) -> Response:
    user = auth.require(request, POLICE_ROLES)
    counts = {
        status.value: await scope.establishments(user).filter(status=status).count()
        for status in EstablishmentStatus
    }
    units = await scope.police_units(user).filter(kind="ward").count()
    return render_page(request, "police/home.html", {"counts": counts, "ward_units": units})


async def establishments(request: Request) -> Response:
    """The establishments in the officer's area, keyset-paginated by id."""
    user = auth.require(request, POLICE_ROLES)
    query = scope.establishments(user).select_related("ward")
    status = request.query_params.get("status", "")
    if status:
        if status not in {s.value for s in EstablishmentStatus}:
            raise BadRequest(N_("Unknown status."), code="bad_filter")
        query = query.filter(status=status)
    after = request.query_params.get("after", "")
    if after:
        if not after.isdigit():
            raise BadRequest(N_("Unknown page."), code="bad_cursor")
        query = query.filter(id__gt=int(after))
    rows = await query.order_by("id").limit(PAGE_SIZE + 1)
    next_after = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return render_page(
        request,
        "police/establishments.html",
        {
            "rows": rows[:PAGE_SIZE],
            "status": status,
            "statuses": list(EstablishmentStatus),
            "next_after": next_after,
        },
    )


async def establishment(request: Request) -> Response:
    user = auth.require(request, POLICE_ROLES)
    est = await scope.establishment(user, request.path_params["establishment_id"])
    await est.fetch_related("ward", "province", "police_unit")
    accounts = await scope.users(user).filter(establishment_id=est.id).order_by("username")
    return render_page(
        request, "police/establishment.html", {"establishment": est, "accounts": accounts}
    )
