"""The watch list: supervisors add people (by document number, or by name with date of
birth, always with a reason) and end entries; matches flag declarations in the unit's
jurisdiction, for the police only."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .. import auth, codes, paging, scope
from ..declarations import flags, screening
from ..declarations.names import ascii_name
from ..errors import NotFound
from ..i18n import N_, gettext
from ..models import SUPERVISOR_ROLES, User, WatchEntry
from ..templating import render_page

BIRTH = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")
PAGE_SIZE = 200


def _entries(user: User) -> Any:
    return WatchEntry.filter(scope.police_unit_filter(user, via="police_unit__"))


async def _render(request: Request, user: User, **extra: Any) -> Response:
    status = extra.pop("status_code", 200)
    entries = await _entries(user).select_related("police_unit", "created_by").limit(PAGE_SIZE)
    context = {"entries": entries, "errors": {}, "form": {}, "added": None, **extra}
    return render_page(request, "police/watch.html", context, status_code=status)


async def page(request: Request) -> Response:
    user = auth.require(request, SUPERVISOR_ROLES)
    added = request.query_params.get("flagged", "")
    return await _render(request, user, added=int(added) if paging.whole(added) else None)


def _cleaned(form: dict[str, str]) -> dict[str, str]:
    """The form's values as they are stored (spaces out of numbers, codes in capitals)."""
    return {
        "document_number": re.sub(r"\s+", "", form.get("document_number", "")).upper(),
        "nationality": form.get("nationality", "").strip().upper(),
        "full_name": form.get("full_name", "").strip()[:100],
        "date_of_birth": form.get("date_of_birth", "").strip(),
        "reason": form.get("reason", "").strip()[:500],
    }


def _problem(v: dict[str, str]) -> str | None:
    number, born = v["document_number"], v["date_of_birth"]
    if not v["reason"]:
        return N_("Give the reason for watching this person.")
    if number and not re.fullmatch(r"[A-Z0-9]{1,20}", number):
        return N_("A document number has 1 to 20 letters and digits.")
    if not number and not (ascii_name(v["full_name"]) and born):
        return N_("Give a document number, or a name with a date of birth.")
    if born and not (BIRTH.fullmatch(born) and flags.earliest_birth(born)):
        return N_("Write the date of birth as YYYY, YYYY-MM or YYYY-MM-DD.")
    if v["nationality"] and v["nationality"] not in codes.countries():
        return N_("Unknown nationality code.")
    return None


async def add(request: Request) -> Response:
    user = auth.require(request, SUPERVISOR_ROLES)
    values = _cleaned(await auth.read_form(request))
    problem = _problem(values)
    if problem:
        return await _render(
            request, user, errors={"": gettext(problem)}, form=values, status_code=422
        )
    assert user.police_unit is not None  # police accounts always have a unit
    entry, flagged = await screening.add_entry(
        user,
        user.police_unit,
        document_number=values["document_number"] or None,
        nationality=values["nationality"] or None,
        full_name=values["full_name"],
        date_of_birth=values["date_of_birth"] or None,
        reason=values["reason"],
    )
    await auth.audit(request, "watch_add", user, target=str(entry.id))
    url = request.url_for("police:watch")
    return RedirectResponse(f"{url.path}?flagged={flagged}", status_code=303)


async def end(request: Request) -> Response:
    user = auth.require(request, SUPERVISOR_ROLES)
    await auth.read_form(request)
    raw = request.path_params["entry_id"]
    entry = await _entries(user).get_or_none(id=raw, removed_at__isnull=True)
    if entry is None:
        raise NotFound()
    await entry.fetch_related("police_unit")
    await screening.end_entry(user, entry.police_unit, entry)
    await auth.audit(request, "watch_end", user, target=str(entry.id))
    return RedirectResponse(request.url_for("police:watch").path, status_code=303)
