"""The access log: every view of a guest's personal data, every search and every export
by a police user, and the page where supervisors read it."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .. import auth, paging, scope, security
from ..errors import BadRequest
from ..i18n import N_
from ..models import SUPERVISOR_ROLES, AccessLog, User
from ..templating import render_page

PAGE_SIZE = 100
ACTIONS = ("view", "list", "search", "export")


# Search terms that are a guest's data: the log keeps a keyed hash of them, not the text,
# so the retention purge needs nothing from this append-only table, while a supervisor who
# has the term can still find who searched for it (``term_hash``).
PERSONAL_TERMS = ("doc", "name")


def term_hash(request: Request, value: str) -> str:
    secret = str(request.app.state.settings.secret_key)
    return "hmac:" + security.sign(secret, f"access-term:{value.strip().lower()}")


async def record(
    request: Request, user: User, action: str, target: str = "", **detail: Any
) -> None:
    for key in PERSONAL_TERMS:
        if detail.get(key):
            detail[key] = term_hash(request, str(detail[key]))
    unit = user.police_unit
    await AccessLog.create(
        user_id=user.id,
        police_unit_id=unit.id if unit else None,
        province_id=unit.province_id if unit else None,
        action=action,
        target=target[:200],
        detail=detail,
        ip=auth.client_ip(request),
    )


async def page(request: Request) -> Response:
    user = auth.require(request, SUPERVISOR_ROLES)
    query = AccessLog.filter(scope.police_row_filter(user))
    action = request.query_params.get("action", "")
    if action:
        if action not in ACTIONS:
            raise BadRequest(N_("Unknown action."), code="bad_filter")
        query = query.filter(action=action)
    who = request.query_params.get("user", "").strip()
    if who:
        query = query.filter(user__username=who)
    # A document number or name a supervisor holds: its keyed hash marks the searches
    # for it (the log itself never keeps the text).
    term = request.query_params.get("term", "").strip()[:100]
    marked = term_hash(request, term) if term else ""
    rows, next_before = await paging.by_id(
        request, query.select_related("user"), PAGE_SIZE, newest_first=True
    )
    return render_page(
        request,
        "police/access_log.html",
        {"rows": rows, "action": action, "who": who, "actions": ACTIONS,
         "next_before": next_before, "term": term, "marked": marked},
    )  # fmt: skip
