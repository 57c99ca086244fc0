"""One declaration for the reviewing officer: every field by name, flags explained,
revisions with what changed, the history, the guest's other stays; and the decisions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .. import auth, codes, i18n, paging, scope
from ..declarations import fields, flags, lifecycle, review, screening
from ..declarations.context import VIETNAM
from ..declarations.issues import Issue
from ..declarations.records import Refused
from ..i18n import N_, gettext
from ..models import (
    POLICE_ROLES,
    Declaration,
    DeclarationEvent,
    DeclarationRevision,
    User,
)
from ..templating import render_page
from . import access

RETURN_REASONS = {
    "document": N_("The document number does not match the passport."),
    "name": N_("The name does not match the passport."),
    "visa": N_("The visa or residence card details are missing or wrong."),
    "dates": N_("The dates of the stay are wrong."),
    "other": N_("Other (explain below)."),
}
WINDOW_DAYS = 365


def _record_id(request: Request) -> str:
    return scope.declaration_id(request.path_params["declaration_id"])


async def _visible(user: User, record_id: str) -> Declaration:
    return await scope.declaration(user, record_id, "establishment")


def _names(d: Declaration) -> dict[str, str]:
    """Each coded field with its name in the active language."""
    lang = i18n.get_locale()

    def name(table: dict[str, Any], code: str | None) -> str:
        entry = table.get(code or "")
        if entry is None:
            return code or ""
        # A nationality keeps its code (it is printed in passports); other codes are ours.
        return f"{entry.name(lang)} ({code})" if table is codes.countries() else entry.name(lang)

    return {f.name: name(f.code_list, getattr(d, f.name)) for f in fields.CODED}


def _facts(d: Declaration) -> list[tuple[fields.Field, str]]:
    """Each field of the record that holds something, shown in the active language (a
    new field of the table appears here by itself). The name is the page's title."""
    names = _names(d)
    shown = []
    for f in fields.CORRECTABLE:
        value = getattr(d, f.name)
        if f.name == "full_name" or value in (None, "", False):
            continue
        if f.codes:
            text = names[f.name]
        elif f.kind == "partial_date":  # day-first, as the other dates: 12/08/1974, 1974
            text = "/".join(reversed(str(value).split("-")))
        elif f.kind == "day":
            text = i18n.format_date(value)
        elif f.kind == "moment":
            text = i18n.format_datetime(value)
        elif f.kind == "bool":
            text = gettext("Yes")
        else:
            text = str(value)
        shown.append((f, text))
    return shown


def _changes(revisions: list[DeclarationRevision]) -> list[dict[str, Any]]:
    """Each revision with the fields that differ from the one before."""
    out: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for rev in revisions:
        changed: list[tuple[str, Any, Any]] = []
        if previous is not None:
            for key in sorted(set(rev.data) | set(previous)):
                if rev.data.get(key) != previous.get(key):
                    changed.append((key, previous.get(key), rev.data.get(key)))
        out.append({"revision": rev, "changed": changed})
        previous = rev.data
    return out


def _nights_in_window(stays: list[Declaration], today: date) -> int:
    """Nights stayed in the last 365 days, over every stay of this document we can see."""
    start = today - timedelta(days=WINDOW_DAYS)
    nights = set()
    for d in stays:
        first = d.arrived_at.astimezone(VIETNAM).date()
        last = d.departed_at.astimezone(VIETNAM).date() if d.departed_at else d.expected_departure
        day = max(first, start)
        while day < min(last, today + timedelta(days=1)):
            nights.add(day)
            day += timedelta(days=1)
    return len(nights)


async def _context(user: User, d: Declaration) -> dict[str, Any]:
    revisions = await DeclarationRevision.filter(declaration_id=d.id).order_by("number")
    events = await DeclarationEvent.filter(declaration_id=d.id).select_related("user")
    stays = await (
        scope.declarations(user)
        .filter(document_number=d.document_number, nationality=d.nationality)
        .order_by("-arrived_at")
        .limit(100)
        .select_related("establishment")
    )
    today = datetime.now(VIETNAM).date()
    watch = await screening.watch_hits([d]) if "watch_list" in d.flags else {}
    return {
        "watch_hits": screening.describe(watch.get(str(d.id), []), i18n.get_locale()),
        "explanations": flags.EXPLANATIONS,
        "police_flags": flags.police_only(d.flags),
        "d": d,
        "facts": _facts(d),
        "warnings": [Issue.from_stored(w) for w in d.warnings],
        "flag_codes": flags.parse(d.flags),
        "flag_labels": flags.FLAGS,
        "revisions": _changes(revisions),
        "events": events,
        "other_stays": [s for s in stays if s.id != d.id],
        "nights_365": _nights_in_window(stays, today),
        "reasons": RETURN_REASONS,
        "actions": lifecycle.allowed(d.review_state, d.stay_status, police=True),
        "conflict": False,
        "errors": {},
    }


async def page(request: Request) -> Response:
    user = auth.require(request, POLICE_ROLES)
    d = await _visible(user, _record_id(request))
    await access.record(request, user, "view", d.receipt_number, declaration=str(d.id))
    return render_page(request, "police/declaration.html", await _context(user, d))


NOTE_MAX = 2000


async def note(request: Request) -> Response:
    """An internal note: for the police only, kept in the history, never changes the
    declaration (so it cannot clash with another officer's decision)."""
    user = auth.require(request, POLICE_ROLES)
    d = await _visible(user, _record_id(request))
    form = await auth.read_form(request)
    text = form.get("note", "").strip()
    if not text or len(text) > NOTE_MAX:
        context = await _context(user, d)
        context["errors"] = {"": gettext(N_("Write a note of at most 2,000 characters."))}
        return render_page(request, "police/declaration.html", context, status_code=422)
    await DeclarationEvent.create(
        declaration_id=d.id, at=datetime.now(UTC), user_id=user.id, action="note",
        from_state=d.state, to_state=d.state, ip=auth.client_ip(request), detail={"note": text},
    )  # fmt: skip
    url = request.url_for("police:declaration", declaration_id=str(d.id))
    return RedirectResponse(f"{url.path}#history", status_code=303)


async def decide(request: Request) -> Response:
    """Confirm, return (with a reason) or escalate; the version the officer saw decides
    who wins when two act at once."""
    user = auth.require(request, POLICE_ROLES)
    record_id = _record_id(request)
    form = await auth.read_form(request)
    decision = form.get("decision", "")
    problem = None
    if decision not in review.DECISIONS:
        problem = N_("Choose a decision.")
    reason = ""
    if decision == "return":
        code = form.get("reason_code", "")
        text = form.get("reason", "").strip()[:400]
        if code not in RETURN_REASONS or (code == "other" and not text):
            problem = N_("Give the establishment a reason for the correction.")
        else:
            reason = gettext(RETURN_REASONS[code]) if code != "other" else ""
            reason = f"{reason} {text}".strip()
    version = form.get("version", "")
    if not paging.whole(version):
        problem = problem or N_("Reload the page and decide again.")
    if problem is None:
        try:
            await review.decide(
                record_id,
                decision,
                user=user,
                reason=reason,
                expected_version=int(version),
                ip=auth.client_ip(request),
            )
        except review.StaleVersion:
            context = await _context(user, await _visible(user, record_id))
            context["conflict"] = True
            return render_page(request, "police/declaration.html", context, status_code=409)
        except Refused as refused:
            context = await _context(user, await _visible(user, record_id))
            context["errors"] = {"": refused.translated()}
            return render_page(request, "police/declaration.html", context, status_code=409)
        url = request.url_for("police:declaration", declaration_id=record_id)
        return RedirectResponse(f"{url.path}?decided={decision}", status_code=303)
    context = await _context(user, await _visible(user, record_id))
    context["errors"] = {"": gettext(problem)}
    return render_page(request, "police/declaration.html", context, status_code=422)
