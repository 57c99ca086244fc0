"""The report page (figures and charts) and its CSV and spreadsheet exports.

Police see their jurisdiction (narrowed to one ward unit or one establishment if they
choose); an owner sees only their own establishment. The figures come from columns a
purge keeps, so a report over purged months is unchanged.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook
from starlette.requests import Request
from starlette.responses import Response
from tortoise.queryset import QuerySet

from .. import auth, codes, i18n, labels, offload, paging, scope
from ..declarations.context import VIETNAM
from ..errors import BadRequest
from ..i18n import N_, gettext
from ..models import POLICE_ROLES, Establishment, Feedback, PoliceUnit, Role, User
from ..police.export import safe_cell
from ..templating import render_page
from . import charts
from .figures import Figures, bounds, counts, from_counts

REPORT_ROLES = (*POLICE_ROLES, Role.OWNER)
DEFAULT_DAYS = 30
MAX_DAYS = 366
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Choice:
    """What the report covers: the dates, and optionally one unit or establishment."""

    start: date
    end: date
    unit: PoliceUnit | None = None
    establishment: Establishment | None = None

    def query(self) -> str:
        parts = [f"from={self.start.isoformat()}", f"to={self.end.isoformat()}"]
        if self.unit:
            parts.append(f"unit={self.unit.id}")
        if self.establishment:
            parts.append(f"establishment={self.establishment.id}")
        return "&".join(parts)


def _date(raw: str, default: date) -> date:
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(N_("Unknown date: %(value)s"), code="bad_date", value=raw) from None


async def _choice(request: Request, user: User) -> Choice:
    params = request.query_params
    today = auth.now().astimezone(VIETNAM).date()
    end = _date(params.get("to", ""), today)
    start = _date(params.get("from", ""), end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise BadRequest(N_("The start date is after the end date."), code="bad_range")
    if (end - start).days + 1 > MAX_DAYS:
        raise BadRequest(N_("A report covers at most 366 days."), code="bad_range")
    choice = Choice(start, end)
    raw_unit, raw_est = params.get("unit", ""), params.get("establishment", "")
    if raw_unit and user.role.is_police:
        if not paging.whole(raw_unit):
            raise BadRequest(N_("Unknown police unit."), code="bad_filter")
        choice.unit = await scope.police_units(user).get_or_none(id=int(raw_unit))
        if choice.unit is None:
            raise BadRequest(N_("Unknown police unit."), code="bad_filter")
    if raw_est and user.role.is_police:
        if not paging.whole(raw_est):
            raise BadRequest(N_("Unknown establishment."), code="bad_filter")
        choice.establishment = await scope.establishment(user, int(raw_est))
    return choice


def _narrowed(query: QuerySet[Any], choice: Choice) -> QuerySet[Any]:
    if choice.unit is not None:
        query = query.filter(police_unit_id=choice.unit.id)
    if choice.establishment is not None:
        query = query.filter(establishment_id=choice.establishment.id)
    return query


def _feedback(user: User, choice: Choice) -> QuerySet[Feedback]:
    """Ratings given in the report's dates, in the user's scope."""
    low, high = bounds(choice.start, choice.end)
    return _narrowed(scope.feedback(user).filter(created_at__gte=low, created_at__lt=high), choice)


async def _figures(user: User, choice: Choice) -> Figures:
    place = scope.report_place(user)
    if choice.unit is not None:
        place = ("u", choice.unit.id)
    if choice.establishment is not None:
        inside = choice.unit is None or choice.unit.id == choice.establishment.police_unit_id
        place = ("e", choice.establishment.id) if inside else None
    per_day: dict[date, int] = {}
    tallies: dict[str, dict[str, int]] = {}
    if place is not None:
        level, where = place
        per_day, tallies = await counts(level, where, choice.start, choice.end)
    ratings: list[int] = await _feedback(user, choice).values_list(  # type: ignore[assignment]
        "rating", flat=True
    )
    return from_counts(choice.start, choice.end, per_day, tallies, ratings)


async def _names(figures: Figures) -> dict[int, str]:
    ids = [e for e, _ in figures.by_establishment]
    if not ids:
        return {}
    rows = await Establishment.filter(id__in=ids).values_list("id", "name")
    return {int(i): str(n) for i, n in rows}


def _nationality(code: str, lang: str) -> str:
    if not code:
        return gettext("Other nationalities")
    found = codes.countries().get(code)
    return found.name(lang) if found else code


def _hours(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


async def _table(figures: Figures) -> list[tuple[str, str, str, str]]:
    """Every figure as (section, key, label, value): the CSV, and the spreadsheet's sheets."""
    lang = i18n.get_locale()
    names = await _names(figures)
    rate = figures.on_time_rate
    out: list[tuple[str, str, str, str]] = [
        ("summary", "from", gettext("From"), figures.start.isoformat()),
        ("summary", "to", gettext("To"), figures.end.isoformat()),
        ("summary", "total", gettext("Declarations"), str(figures.total)),
        ("summary", "on_time", gettext("Declared on time"), str(figures.on_time)),
        ("summary", "on_time_rate", gettext("On-time rate"), "" if rate is None else f"{rate:.4f}"),
        (
            "summary",
            "median_hours_to_declare",
            gettext("Median hours from arrival to declaration"),
            _hours(figures.median_hours_to_declare),
        ),
        ("summary", "decided", gettext("Decided by the police"), str(figures.decided)),
        (
            "summary",
            "median_hours_to_decide",
            gettext("Median hours from receipt to police decision"),
            _hours(figures.median_hours_to_decide),
        ),
        ("summary", "ratings", gettext("Ratings"), str(figures.ratings.count)),
        (
            "summary",
            "rating_average",
            gettext("Average rating"),
            "" if figures.ratings.average is None else f"{figures.ratings.average:.2f}",
        ),
    ]
    out += [("day", d.isoformat(), i18n.format_date(d), str(n)) for d, n in figures.per_day]
    out += [("nationality", c, _nationality(c, lang), str(n)) for c, n in figures.by_nationality]
    out += [
        ("establishment", str(e), names.get(e, str(e)), str(n)) for e, n in figures.by_establishment
    ]
    out += [
        ("review_state", s, labels.review_state_label(s), str(n))
        for s, n in sorted(figures.by_review_state.items())
    ]
    out += [
        ("stay_status", s, labels.stay_status_label(s), str(n))
        for s, n in sorted(figures.by_stay_status.items())
    ]
    out += [
        ("rating", str(score), "★" * score, str(n))
        for score, n in sorted(figures.ratings.by_score.items())
    ]
    return out


async def page(request: Request) -> Response:
    user = auth.require(request, REPORT_ROLES)
    choice = await _choice(request, user)
    figures = await _figures(user, choice)
    lang = i18n.get_locale()
    names = await _names(figures)
    per_day = [(i18n.format_date(d, "d/M"), n) for d, n in figures.per_day]
    top = [(_nationality(c, lang), n) for c, n in figures.top_nationalities]
    states = [(labels.review_state_label(s), n) for s, n in sorted(figures.by_review_state.items())]
    units: list[PoliceUnit] = []
    if user.role.is_police:
        units = await scope.police_units(user).filter(kind="ward").order_by("code").limit(500)
    comments = []
    if figures.ratings.count:
        comments = await _comments(user, choice)
    return render_page(
        request,
        "reports/report.html",
        {
            "choice": choice,
            "figures": figures,
            "names": names,
            "nationality_name": lambda c: _nationality(c, lang),
            "chart_days": charts.columns(per_day, gettext("Declarations per day")),
            "chart_nationalities": charts.rows(top, gettext("Top 10 nationalities")),
            "chart_states": charts.rows(states, gettext("By review state")),
            "units": units,
            "comments": comments,
        },
    )


async def _comments(user: User, choice: Choice) -> list[Feedback]:
    return await _feedback(user, choice).exclude(comment="").order_by("-id").limit(20)


def _filename(choice: Choice, ext: str) -> str:
    return f"report-{choice.start.isoformat()}-{choice.end.isoformat()}.{ext}"


async def export_csv(request: Request) -> Response:
    user = auth.require(request, REPORT_ROLES)
    choice = await _choice(request, user)
    table = await _table(await _figures(user, choice))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "key", "label", "value"])
    for section, key, label, value in table:
        writer.writerow([section, safe_cell(key), safe_cell(label), value])
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{_filename(choice, "csv")}"'},
    )


SHEETS = (
    ("summary", N_("Summary")),
    ("day", N_("Per day")),
    ("nationality", N_("Nationalities")),
    ("establishment", N_("Establishments")),
    ("review_state", N_("Review states")),
    ("stay_status", N_("Stays")),
    ("rating", N_("Ratings")),
)


async def export_xlsx(request: Request) -> Response:
    """One sheet per section; numbers as numbers, so the owner can chart them again."""
    user = auth.require(request, REPORT_ROLES)
    choice = await _choice(request, user)
    table = await _table(await _figures(user, choice))
    # Writing a workbook is CPU work: not on the event loop.
    body = await offload.run(EXPORT_SECONDS, _workbook, table)
    return Response(
        body,
        media_type=XLSX,
        headers={"content-disposition": f'attachment; filename="{_filename(choice, "xlsx")}"'},
    )


EXPORT_SECONDS = 30.0


def _workbook(table: list[tuple[str, str, str, str]]) -> bytes:
    book = Workbook(write_only=True)
    for section, title in SHEETS:
        sheet = book.create_sheet(gettext(title)[:31])
        sheet.append([gettext("Code"), gettext("Name"), gettext("Value")])
        for row_section, key, label, value in table:
            if row_section == section:
                sheet.append([safe_cell(key), safe_cell(label), _number(value)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _number(value: str) -> float | int | str:
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value
