"""Bulk confirmation: the officer filters the queue, sees how many unflagged
declarations would be confirmed (and how many flagged ones are left for reading), and
confirms them in one go. Only what the preview counted is confirmed: declarations that
arrive or change after it are left in the queue."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .. import auth, db, paging, scope
from ..declarations import feed, flags, review
from ..errors import Conflict, NotFound, ValidationFailed
from ..i18n import N_
from ..models import POLICE_ROLES, Declaration, User
from ..reports import rollups
from ..templating import render_page
from .deadlines import for_user as deadlines_for
from .queue import Filters, filtered, parse_filters

BULK_MAX = 2_000  # a day and a bit of a busy ward; more is done in several rounds
SELECT_CHUNK = 250  # rows read at a time (see ``_selection``)


def _for_bulk(params: Mapping[str, str]) -> Filters:
    f = parse_filters(params)
    f.state = "new"  # only declarations nobody has decided on
    return f


async def _selection(user: User, f: Filters, upto: int) -> tuple[list[Declaration], int]:
    """The unflagged declarations to confirm (at most BULK_MAX) and the count of flagged
    ones the filter also matches, both as of change ``upto``."""
    deadlines = await deadlines_for(user)
    base = filtered(scope.declarations(user), f, deadlines).filter(change_seq__lte=upto)
    query = (
        base.filter(queue_rank=flags.CLEAN)
        .order_by("arrived_at", "id")
        .only("id", "version", *rollups.COLUMNS)
    )
    # 2,000 rows built at once held every other request of the process 80 ms.
    clean = [
        d
        async for part in paging.in_chunks(query, "arrived_at", SELECT_CHUNK, BULK_MAX)
        for d in part
    ]
    skipped = await db.count_up_to(base.filter(queue_rank=flags.FLAGGED), BULK_MAX)
    return clean, skipped


async def preview(request: Request) -> Response:
    user = auth.require(request, POLICE_ROLES)
    f = _for_bulk(request.query_params)
    upto = await feed.last_change_number()
    clean, skipped = await _selection(user, f, upto)
    return render_page(
        request,
        "police/bulk_confirm.html",
        {"f": f, "upto": upto, "count": len(clean), "skipped": skipped, "limit": BULK_MAX},
    )


async def confirm(request: Request) -> Response:
    user = auth.require(request, POLICE_ROLES)
    form = await auth.read_form(request)
    f = _for_bulk(form)
    upto = form.get("upto", "")
    if not paging.whole(upto):
        raise ValidationFailed(N_("Reload the page and decide again."))
    clean, _skipped = await _selection(user, f, int(upto))
    done = await review.confirm_many(clean, user=user, ip=auth.client_ip(request))
    url = request.url_for("police:queue").path
    return RedirectResponse(f"{url}?{f.query_string(confirmed=str(done))}", status_code=303)


PICK_MAX = 100  # two pages of the queue


def _picks(values: list[str]) -> list[tuple[str, int]]:
    """The chosen rows, each ``id:version`` as the queue page showed it."""
    if not values or len(values) > PICK_MAX:
        raise ValidationFailed(
            N_("Choose the declarations to confirm (at most %(max)s)."), max=PICK_MAX
        )
    picks = []
    for raw in values:
        record_id, _sep, version = raw.partition(":")
        if not paging.whole(version):
            raise ValidationFailed(N_("Reload the page and decide again."))
        picks.append((scope.declaration_id(record_id), int(version)))
    return picks


async def confirm_selected(request: Request) -> Response:
    """Confirm the rows the officer ticked, each as it was when the page showed it: one
    changed since (a correction, another officer) or no longer waiting is left alone."""
    user = auth.require(request, POLICE_ROLES)
    form = await auth.read_form_with_files(request)
    values = [v for v in form.getlist("pick") if isinstance(v, str)]
    back = form.get("return", "")
    await form.close()
    done = skipped = 0
    for record_id, version in _picks(values):
        try:
            await review.decide(
                record_id, "confirm", user=user, expected_version=version,
                ip=auth.client_ip(request),
            )  # fmt: skip
            done += 1
        except (Conflict, NotFound):  # changed, refused by the lifecycle, or not theirs
            skipped += 1
    f = parse_filters(dict(parse_qsl(back if isinstance(back, str) else "")))
    query = f.query_string(confirmed=str(done), skipped=str(skipped))
    return RedirectResponse(f"{request.url_for('police:queue').path}?{query}", status_code=303)
