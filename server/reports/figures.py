"""The "summary of processing": figures over a set of declarations received in a date
range. Plain Python over plain tuples, so the same code serves the page, the CSV and
the spreadsheet, and a purge (which keeps these columns) cannot change the result."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..declarations.context import VIETNAM

TOP = 10

# The columns a report reads: none of them is personal data.
COLUMNS = (
    "received_at",
    "arrived_at",
    "reviewed_at",
    "nationality",
    "establishment_id",
    "review_state",
    "stay_status",
    "flags",
)
Row = tuple[datetime, datetime, datetime | None, str, int, str, str, str]


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


def _median_hours(seconds: list[float]) -> float | None:
    return statistics.median(seconds) / 3600 if seconds else None


def compute(rows: list[Row], start: date, end: date, ratings: list[int]) -> Figures:
    out = Figures(start=start, end=end, total=len(rows))
    days: Counter[date] = Counter()
    nationalities: Counter[str] = Counter()
    establishments: Counter[int] = Counter()
    states: Counter[str] = Counter()
    stays: Counter[str] = Counter()
    to_declare: list[float] = []
    to_decide: list[float] = []
    for received, arrived, reviewed, nationality, establishment, state, stay, flags in rows:
        days[received.astimezone(VIETNAM).date()] += 1
        nationalities[nationality] += 1
        establishments[establishment] += 1
        states[state] += 1
        stays[stay] += 1
        if " late " not in flags:
            out.on_time += 1
        to_declare.append(max(0.0, (received - arrived).total_seconds()))
        if reviewed is not None:
            to_decide.append(max(0.0, (reviewed - received).total_seconds()))
    span = (end - start).days + 1
    out.per_day = [
        (start + timedelta(days=i), days[start + timedelta(days=i)]) for i in range(span)
    ]
    out.by_nationality = sorted(nationalities.items(), key=lambda kv: (-kv[1], kv[0]))
    out.by_establishment = sorted(establishments.items(), key=lambda kv: (-kv[1], kv[0]))
    out.by_review_state = dict(states)
    out.by_stay_status = dict(stays)
    out.median_hours_to_declare = _median_hours(to_declare)
    out.median_hours_to_decide = _median_hours(to_decide)
    out.decided = len(to_decide)
    if ratings:
        out.ratings = Ratings(
            count=len(ratings),
            average=sum(ratings) / len(ratings),
            by_score={score: ratings.count(score) for score in range(1, 6)},
        )
    return out
