"""The reports' running totals, kept in the same transaction as every change.

A report reads days × groups from ``report_totals``, never declarations. Each
declaration counts once in every figure, at four places (its establishment, its ward
police unit, its province, the nation) and two periods (its day of receipt, Vietnam's
time, and that day's month). One row holds every figure of one place and period, so a
province-year report reads twelve month rows and the days at either end, whatever the
number of declarations behind them.

Every write path that changes what a report counts (ingest, correction, decision, bulk
confirm, check-out, cancel) calls ``record`` with the declaration's facts before and
after, inside its transaction. All of them take change numbers first, which orders the
writers: the rows here are read and rewritten one writer at a time. The purge changes
none of these columns, so it leaves the totals as they are. ``rebuild`` recomputes
everything from the declarations (``luutru rollups``), for a migration or a repair.

The hours from arrival to declaration and from receipt to decision are kept as
histograms: quarter-hours up to 48 hours, then hours up to 32 days, then one bucket for
the rest. A median read from them is the middle of its bucket: within 7.5 minutes up to
48 hours, within 30 minutes after.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Max, Min
from tortoise.transactions import in_transaction

from .. import db
from ..declarations.context import VIETNAM
from ..models import Declaration, Establishment, ReportTotals

# What each figure is called in a ``report_totals.counts`` object.
TOTAL, NATIONALITY, REVIEW, STAY, ON_TIME, TO_DECLARE, TO_DECIDE, ESTABLISHMENT = "tcrsoade"
PER_DAY = "y"  # in month rows: the declarations of each day of the month

QUARTER = 900
FINE_BUCKETS = 192  # quarter-hours in 48 hours
HOUR = 3600
LAST_BUCKET = FINE_BUCKETS + 30 * 24  # then hours for 30 more days; then one bucket
WRITE_CHUNK = 200  # rows read and written at a time


@dataclass(frozen=True)
class Facts:
    """The columns of a declaration that the reports count (none of them personal)."""

    received_at: datetime
    arrived_at: datetime
    reviewed_at: datetime | None
    nationality: str
    establishment_id: int
    police_unit_id: int
    province_id: int
    review_state: str
    stay_status: str
    flags: str


COLUMNS = tuple(Facts.__dataclass_fields__)


def facts(d: Any) -> Facts:
    """The facts of a declaration (a model instance, or anything with the columns)."""
    return Facts(*(_plain(getattr(d, c)) for c in COLUMNS))


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)  # enum members as their stored text


def bucket(seconds: float) -> int:
    s = max(0, int(seconds))
    if s < FINE_BUCKETS * QUARTER:
        return s // QUARTER
    return min(LAST_BUCKET, FINE_BUCKETS + (s - FINE_BUCKETS * QUARTER) // HOUR)


def bucket_middle(b: int) -> float:
    """The seconds a bucket stands for: its middle (the last one: where it starts)."""
    if b < FINE_BUCKETS:
        return (b + 0.5) * QUARTER
    start = FINE_BUCKETS * QUARTER + (b - FINE_BUCKETS) * HOUR
    return float(start) if b >= LAST_BUCKET else start + HOUR / 2


def median_hours(histogram: dict[int, int]) -> float | None:
    """The median of a histogram, in hours, as ``statistics.median`` would take it (the
    mean of the two middle values when the count is even), each value at its bucket's
    middle."""
    count = sum(histogram.values())
    if count <= 0:
        return None
    wanted = sorted({(count - 1) // 2, count // 2})
    found: list[float] = []
    seen = 0
    for b in sorted(histogram):
        seen += histogram[b]
        while wanted and wanted[0] < seen:
            wanted.pop(0)
            found.append(bucket_middle(b))
    if len(found) == 1:
        found.append(found[0])
    return (found[0] + found[1]) / 2 / HOUR


Slot = tuple[str, int, str, date]  # level, place, period, first day: one row
Key = tuple[Slot, str, str]  # the row, a figure, one of its values


Profile = tuple[Any, ...]  # what decides a declaration's keys (``profile``)


def profile(f: Facts) -> Profile:
    """The day, the place ids and the counted values of ``f``: declarations with the same
    profile add to the same keys, so a batch's keys are made once per profile."""
    day = f.received_at.astimezone(VIETNAM).date()
    values = [
        (TOTAL, ""),
        (NATIONALITY, f.nationality),
        (REVIEW, f.review_state),
        (STAY, f.stay_status),
        (ON_TIME, "0" if " late " in f.flags else "1"),
        (TO_DECLARE, str(bucket((f.received_at - f.arrived_at).total_seconds()))),
    ]
    if f.reviewed_at is not None:
        values.append((TO_DECIDE, str(bucket((f.reviewed_at - f.received_at).total_seconds()))))
    return day, f.establishment_id, f.police_unit_id, f.province_id, tuple(values)


def keys(p: Profile) -> Iterator[Key]:
    """Every count a declaration of profile ``p`` adds to."""
    day, establishment, unit, province, values = p
    places = (("e", establishment), ("u", unit), ("p", province), ("n", 0))
    for level, place in places:
        for period, first in (("d", day), ("m", day.replace(day=1))):
            slot: Slot = (level, place, period, first)
            for dim, value in values:
                yield slot, dim, value
            if period == "m":  # a month row also says how many came each day
                yield slot, PER_DAY, str(day.day)
            if level in ("u", "p"):  # the list of establishments of a ward or province
                yield slot, ESTABLISHMENT, str(establishment)


class Delta(Counter[Key]):
    """Changes to the totals, summed before they are written."""

    def count(self, rows: Iterable[Facts], sign: int = 1) -> Delta:
        for p, n in Counter(profile(f) for f in rows).items():
            for key in keys(p):
                self[key] += sign * n
        return self


async def record(
    conn: BaseDBAsyncClient,
    *,
    before: Iterable[Facts] = (),
    after: Iterable[Any] = (),
) -> None:
    """Move declarations' counts from what they were (``before``) to what they are now
    (``after``: declarations or facts), inside the caller's transaction."""
    delta = Delta().count(before, -1).count(f if isinstance(f, Facts) else facts(f) for f in after)
    await write(conn, delta)


def _merge(counts: dict[str, dict[str, int]], changes: dict[str, dict[str, int]]) -> None:
    for dim, values in changes.items():
        into = counts.setdefault(dim, {})
        for value, n in values.items():
            total = into.get(value, 0) + n
            if total:
                into[value] = total
            else:
                into.pop(value, None)
        if not into:
            del counts[dim]


async def _locked(conn: BaseDBAsyncClient, slots: list[Slot]) -> dict[Slot, dict[str, Any]]:
    """The counts of those rows that exist, locked for the transaction on PostgreSQL.
    Plain SQL: this runs inside every writer's transaction, where building the ORM's
    query would cost more than running it."""
    sqlite = conn.capabilities.dialect == "sqlite"
    kinds: dict[tuple[str, str], list[Slot]] = {}
    for slot in slots:
        kinds.setdefault((slot[0], slot[2]), []).append(slot)
    wanted: list[str] = []
    values: list[Any] = []
    for (level, period), some in kinds.items():
        places = sorted({s[1] for s in some})
        days = sorted({s[3].isoformat() if sqlite else s[3] for s in some})
        at = len(values) + 1
        wanted.append(
            f"(level = {db.marks(conn, 1, at)} AND period = {db.marks(conn, 1, at + 1)} "
            f"AND place IN ({db.marks(conn, len(places), at + 2)}) "
            f"AND day IN ({db.marks(conn, len(days), at + 2 + len(places))}))"
        )
        values += [level, period, *places, *days]
    sql = (
        "SELECT level, place, period, day, counts FROM report_totals "  # noqa: S608
        f"WHERE {' OR '.join(wanted)}{'' if sqlite else ' FOR UPDATE'}"
    )
    found = {}
    for row in await conn.execute_query_dict(sql, values):
        day = date.fromisoformat(row["day"]) if sqlite else row["day"]
        counts = row["counts"]
        found[(row["level"], row["place"], row["period"], day)] = (
            json.loads(counts) if isinstance(counts, str) else counts
        )
    return found


async def write(conn: BaseDBAsyncClient, delta: Counter[Key], *, fresh: bool = False) -> None:
    """Add ``delta`` to its rows: each read (locked on PostgreSQL), changed, written.
    ``fresh``: the rows do not exist yet (the rebuild writes each once), nothing to read."""
    slots: dict[Slot, dict[str, dict[str, int]]] = {}
    for (slot, dim, value), n in delta.items():
        if n:
            slots.setdefault(slot, {}).setdefault(dim, {})[value] = n
    sqlite = conn.capabilities.dialect == "sqlite"
    marks = ", ".join("?" if sqlite else f"${i}" for i in range(1, 6))
    upsert = (
        "INSERT INTO report_totals (level, place, period, day, counts) "  # noqa: S608
        f"VALUES ({marks}) ON CONFLICT (level, place, period, day) "
        "DO UPDATE SET counts = excluded.counts"
    )
    ordered = sorted(slots)
    for start in range(0, len(ordered), WRITE_CHUNK):
        chunk = ordered[start : start + WRITE_CHUNK]
        found = {} if fresh else await _locked(conn, chunk)
        rows = []
        for slot in chunk:
            counts = found.get(slot, {})
            _merge(counts, slots[slot])
            day = slot[3].isoformat() if sqlite else slot[3]
            rows.append([*slot[:3], day, json.dumps(counts, separators=(",", ":"))])
        # One query to read, one to write: the rows were locked by the read (and the
        # writer holds the change counter), so nobody changed them in between.
        await conn.execute_many(upsert, rows)


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _moment(value: Any) -> datetime | None:
    """A datetime as the driver returns it: an object (PostgreSQL) or text (SQLite)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def _months(first: date, last: date) -> Iterator[tuple[datetime, datetime]]:
    """The UTC bounds of each local month from ``first``'s to ``last``'s."""
    month = first.replace(day=1)
    while month <= last:
        following = next_month(month)
        yield (
            datetime.combine(month, datetime.min.time(), VIETNAM),
            datetime.combine(following, datetime.min.time(), VIETNAM),
        )
        month = following


async def _facts_of(
    conn: BaseDBAsyncClient, province: int, low: datetime, high: datetime
) -> list[Facts]:
    query = Declaration.filter(
        province_id=province, received_at__gte=low, received_at__lt=high
    ).values_list(*COLUMNS)
    query._db = conn
    query._make_query()
    sql, params = query.query.get_parameterized_sql()
    _, rows = await conn.execute_query(sql, params)
    out = []
    for row in rows:
        received, arrived, reviewed, *rest = tuple(row)
        out.append(Facts(_moment(received), _moment(arrived), _moment(reviewed), *rest))  # type: ignore[arg-type]
    return out


async def provinces(conn: BaseDBAsyncClient | None = None) -> list[int]:
    """The provinces that have establishments."""
    query = Establishment.all().distinct().order_by("province_id")
    if conn is not None:
        query = query.using_db(conn)
    found: list[int] = await query.values_list("province_id", flat=True)  # type: ignore[assignment]
    return found


async def _span(conn: BaseDBAsyncClient, province: int) -> tuple[date, date] | None:
    """The local days of a province's first and last receipt."""
    found = await (
        Declaration.filter(province_id=province)
        .using_db(conn)
        .annotate(first=Min("received_at"), last=Max("received_at"))
        .first()
        .values_list("first", "last")
    )
    if not found or found[0] is None:
        return None
    first, last = (_moment(v) for v in found)
    assert first is not None and last is not None
    return first.astimezone(VIETNAM).date(), last.astimezone(VIETNAM).date()


async def rebuild(conn: BaseDBAsyncClient) -> int:
    """Recompute every total from the declarations, in the caller's transaction, one
    month and one province at a time (so memory stays bounded; a month's rows for the
    nation are complete after its last province). Writers wait until it commits.
    Returns how many declarations were counted."""
    # execute_query, not execute_script: Python's sqlite3 commits before a script, which
    # would end the transaction here.
    if conn.capabilities.dialect != "sqlite":
        await conn.execute_query("LOCK TABLE report_totals IN EXCLUSIVE MODE")
    await conn.execute_query("DELETE FROM report_totals")
    spans = {p: found for p in await provinces(conn) if (found := await _span(conn, p))}
    if not spans:
        return 0
    first = min(low for low, _ in spans.values())
    last = max(high for _, high in spans.values())
    counted = 0
    for low, high in _months(first, last):
        nation: Counter[Key] = Counter()
        for province in spans:
            rows = await _facts_of(conn, province, low, high)
            counted += len(rows)
            local = Delta().count(rows)
            for key in [k for k in local if k[0][0] == "n"]:
                nation[key] += local.pop(key)
            await write(conn, local, fresh=True)  # a province-month's rows, complete
        await write(conn, nation, fresh=True)  # the month's, after its last province
    return counted


async def rebuild_all() -> int:
    """``rebuild`` in a transaction of its own (``luutru rollups``)."""
    async with in_transaction("default") as conn:
        return await rebuild(conn)


async def fill_if_missing() -> int | None:
    """After migrating a database that has declarations but no totals yet (one made
    before totals were kept): rebuild them. None when there was nothing to do."""
    if await ReportTotals.exists() or not await Declaration.exists():
        return None
    return await rebuild_all()
