"""The reports' figures counted from the declarations themselves, row by row: what the
server did before it kept running totals (server/reports/rollups.py). The tests hold
the totals to it: counts exactly, medians within one bucket."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, datetime, timedelta

from server.declarations.context import VIETNAM
from server.reports.figures import Figures, rated

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
    out.ratings = rated(ratings)
    return out
