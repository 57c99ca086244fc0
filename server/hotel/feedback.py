"""After a police decision, the establishment rates the service (1–5) and may comment,
as Vietnamese one-stop offices ask right after a procedure. One rating per decision."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from tortoise.exceptions import IntegrityError

from .. import auth, scope
from ..declarations import lifecycle
from ..errors import Conflict, NotFound, ValidationFailed
from ..i18n import N_
from ..models import HOTEL_ROLES, Feedback
from ..templating import render_page

DECISIONS = lifecycle.DECISION_EVENTS  # what may be rated
WINDOW = timedelta(days=30)  # decisions older than this are no longer offered for rating
LISTED = 50


async def page(request: Request) -> Response:
    user = auth.require(request, HOTEL_ROLES)
    since = auth.now() - WINDOW
    events = (
        await scope.declaration_events(user)
        .filter(action__in=DECISIONS, at__gte=since)
        .select_related("declaration")
        .order_by("-id")
        .limit(LISTED)
    )
    rated = set(
        await Feedback.filter(decision_event_id__in=[e.id for e in events]).values_list(
            "decision_event_id", flat=True
        )
    )
    return render_page(
        request,
        "hotel/feedback.html",
        {
            "events": [e for e in events if e.id not in rated],
            "done": request.query_params.get("done"),
        },
    )


async def rate(request: Request) -> Response:
    user = auth.require(request, HOTEL_ROLES)
    form = await auth.read_form(request)
    event = (
        await scope.declaration_events(user)
        .get_or_none(id=request.path_params["event_id"], action__in=DECISIONS)
        .select_related("declaration")
    )
    if event is None:
        raise NotFound()
    rating = form.get("rating", "")
    if rating not in {"1", "2", "3", "4", "5"}:
        raise ValidationFailed(N_("Choose from 1 to 5 stars."), code="bad_rating")
    d = event.declaration
    try:
        await Feedback.create(
            declaration_id=d.id,
            decision_event_id=event.id,
            establishment_id=d.establishment_id,
            police_unit_id=d.police_unit_id,
            province_id=d.province_id,
            decision=event.to_state or event.action,
            rating=int(rating),
            comment=" ".join(form.get("comment", "").split())[:1000],
            user_id=user.id,
        )
    except IntegrityError:
        raise Conflict(N_("This decision has already been rated."), code="already_rated") from None
    return RedirectResponse(request.app.url_path_for("hotel:feedback") + "?done=1", status_code=303)
