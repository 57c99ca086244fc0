"""The "summary of processing": figures over the declarations received in a date range,
read from the running totals (rollups.py), so the page, the CSV and the spreadsheet
agree, and a purge (which keeps what they count) cannot change them.

A range reads whole months from their month rows and the days before and after them
from day rows: a year is at most 12 month rows and 60 day rows per place."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from tortoise.expressions import Q

from ..declarations.context import VIETNAM
from ..models import ReportTotals
from . import rollups

TOP = 10


@dataclass
class Ratings:
    count: int = 0
    average: float | None = None
    by_score: dict[int, int] = field(default_factory=dict)


@dataclass
class Figures:
    start: date
    end: date  # inclusive
    total: int = 0
    per_day: list[tuple[date, int]] = field(default_factory=list)
    by_nationality: list[tuple[str, int]] = field(default_factory=list)  # all, largest first
    by_establishment: list[tuple[int, int]] = field(default_factory=list)
    by_review_state: dict[str, int] = field(default_factory=dict)
    by_stay_status: dict[str, int] = field(default_factory=dict)
    on_time: int = 0
    median_hours_to_declare: float | None = None
    median_hours_to_decide: float | None = None
    decided: int = 0
    ratings: Ratings = field(default_factory=Ratings)

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.total if self.total else None

    @property
    def top_nationalities(self) -> list[tuple[str, int]]:
        """The ten largest, and the rest as one line (code "")."""
        top = self.by_nationality[:TOP]
        rest = sum(n for _, n in self.by_nationality[TOP:])
        return top + ([("", rest)] if rest else [])


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants of local midnight at ``start`` and after ``end``."""
    low = datetime.combine(start, datetime.min.time(), VIETNAM)
    high = datetime.combine(end + timedelta(days=1), datetime.min.time(), VIETNAM)
    return low, high


def rated(ratings: list[int]) -> Ratings:
    """The count, average and distribution of ratings (1–5)."""
    if not ratings:
        return Ratings()
    return Ratings(
        count=len(ratings),
        average=sum(ratings) / len(ratings),
        by_score={score: ratings.count(score) for score in range(1, 6)},
    )


def _days(start: date, span: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(span)]


def _largest_first(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(((k, n) for k, n in counts.items() if n), key=lambda kv: (-kv[1], kv[0]))


def from_counts(
    start: date,
    end: date,
    per_day: dict[date, int],
    tallies: dict[str, dict[str, int]],
    ratings: list[int],
) -> Figures:
    """The figures from summed totals: ``per_day`` the declarations of each day,
    ``tallies`` each figure's values and counts (keys are rollups' ``dim`` codes)."""

    def tally(dim: str) -> dict[str, int]:
        return {k: n for k, n in tallies.get(dim, {}).items() if n}

    span = (end - start).days + 1
    to_declare = {int(b): n for b, n in tally(rollups.TO_DECLARE).items()}
    to_decide = {int(b): n for b, n in tally(rollups.TO_DECIDE).items()}
    out = Figures(
        start=start,
        end=end,
        total=sum(tally(rollups.TOTAL).values()),
        per_day=[(day, per_day.get(day, 0)) for day in _days(start, span)],
        by_nationality=_largest_first(tally(rollups.NATIONALITY)),
        by_establishment=sorted(
            ((int(e), n) for e, n in tally(rollups.ESTABLISHMENT).items()),
            key=lambda kv: (-kv[1], kv[0]),
        ),
        by_review_state=tally(rollups.REVIEW),
        by_stay_status=tally(rollups.STAY),
        on_time=tally(rollups.ON_TIME).get("1", 0),
        median_hours_to_declare=rollups.median_hours(to_declare),
        median_hours_to_decide=rollups.median_hours(to_decide),
        decided=sum(to_decide.values()),
    )
    out.ratings = rated(ratings)
    return out


def spans(start: date, end: date) -> list[tuple[str, date, date]]:
    """The rows that cover ``start``…``end`` once, as (period, first day, day after)."""
    after = end + timedelta(days=1)
    first = start if start.day == 1 else rollups.next_month(start)
    last = after.replace(day=1)
    if first >= last:
        return [("d", start, after)]
    out = [("d", start, first), ("m", first, last), ("d", last, after)]
    return [(period, low, high) for period, low, high in out if low < high]


def _covering(start: date, end: date) -> Q:
    found = Q(id__isnull=True)  # nothing, then each span
    for period, low, high in spans(start, end):
        found |= Q(period=period, day__gte=low, day__lt=high)
    return found


async def _rows(level: str, places: list[int], start: date, end: date) -> list[Any]:
    found: list[Any] = await (
        ReportTotals.filter(level=level, place__in=places)
        .filter(_covering(start, end))
        .values_list("period", "day", "counts")
    )
    return found


def _as_day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


async def counts(
    level: str, place: int, start: date, end: date
) -> tuple[dict[date, int], dict[str, dict[str, int]]]:
    """The declarations of each day, and each figure's values with their counts, at one
    place of one level (rollups.py)."""
    per_day: dict[date, int] = {}
    tallies: dict[str, dict[str, int]] = {}
    for period, day, found in await _rows(level, [place], start, end):
        first = _as_day(day)
        if period == "d":
            per_day[first] = sum(found.get(rollups.TOTAL, {}).values())
        else:
            for n, count in found.get(rollups.PER_DAY, {}).items():
                per_day[first.replace(day=int(n))] = count
        for dim, values in found.items():
            into = tallies.setdefault(dim, {})
            for value, count in values.items():
                into[value] = into.get(value, 0) + count
    if level == "e":
        tallies[rollups.ESTABLISHMENT] = {str(place): sum(tallies.get(rollups.TOTAL, {}).values())}
    if level == "n":  # the nation's list of establishments: every province's
        listed: dict[str, int] = {}
        for _period, _day, found in await _rows("p", await rollups.provinces(), start, end):
            for value, count in found.get(rollups.ESTABLISHMENT, {}).items():
                listed[value] = listed.get(value, 0) + count
        tallies[rollups.ESTABLISHMENT] = listed
    return per_day, tallies
