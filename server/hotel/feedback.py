"""After a police decision, the establishment rates the service (1–5) and may comment,
as Vietnamese one-stop offices ask right after a procedure. One rating per decision."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .. import auth, ratings, scope
from ..declarations import lifecycle
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
    await ratings.rate(
        user, request.path_params["event_id"], form.get("rating", ""), form.get("comment", "")
    )
    return RedirectResponse(request.app.url_path_for("hotel:feedback") + "?done=1", status_code=303)
