"""The police-only flags, which need the database: watch-list matches, and minors with no
adult of their party at the establishment.

Both are worked out when a declaration is stored or corrected (inside its transaction),
and again when a watch-list entry is added or ended, or when another member of a party
arrives. The establishment never sees them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from .. import db, scope
from ..models import Declaration, PoliceUnit, StayStatus, User, WatchEntry
from . import flags
from .context import VIETNAM
from .names import ascii_name


def _same_birth(a: str | None, b: str) -> bool:
    """Birth dates agree where both are known (a year-only date matches any day of it)."""
    if not a:
        return False
    return a.startswith(b) or b.startswith(a)


def matches(entry: WatchEntry, d: Declaration) -> bool:
    if entry.document_number and entry.document_number == d.document_number:
        return entry.nationality in (None, "", d.nationality)
    if entry.name_search and entry.name_search == d.name_search:
        return _same_birth(entry.date_of_birth, d.date_of_birth)
    return False


async def _candidates(
    declarations: Sequence[Declaration], conn: BaseDBAsyncClient | None = None
) -> list[WatchEntry]:
    numbers = list({d.document_number for d in declarations})
    names = list({d.name_search for d in declarations})
    conn = conn or connections.get("default")
    wheres = [
        f"document_number IN ({db.marks(conn, len(numbers))})",
        f"name_search IN ({db.marks(conn, len(names), len(numbers) + 1)})",
    ]
    found = await db.ids_where(conn, "watch_entry", wheres, [*numbers, *names])
    if not found:  # the usual case, at one cheap query
        return []
    query = WatchEntry.filter(id__in=found, removed_at__isnull=True).using_db(conn)
    return await query.select_related("police_unit")


async def watch_hits(
    declarations: Sequence[Declaration], conn: BaseDBAsyncClient | None = None
) -> dict[str, list[WatchEntry]]:
    """The active entries each declaration matches, by declaration id."""
    if not declarations:
        return {}
    entries = await _candidates(declarations, conn)
    hits: dict[str, list[WatchEntry]] = {}
    for d in declarations:
        found = [
            e
            for e in entries
            if matches(e, d) and scope.covers(e.police_unit, d.province_id, d.police_unit_id)
        ]
        if found:
            hits[str(d.id)] = found
    return hits


async def flag_watch_hits(
    declarations: Sequence[Declaration], conn: BaseDBAsyncClient | None = None
) -> None:
    """Set ``watch_list`` on the (not yet saved) declarations that match an entry."""
    hits = await watch_hits(declarations, conn)
    for d in declarations:
        _set(d, "watch_list", str(d.id) in hits)


def _set(d: Declaration, code: str, on: bool) -> bool:
    """Set or clear a flag on ``d``; whether it changed."""
    columns = flags.toggled(d.flags, code, on)
    if columns["flags"] == d.flags:
        return False
    d.flags, d.queue_rank = columns["flags"], columns["queue_rank"]
    return True


async def _save_flags(d: Declaration, conn: BaseDBAsyncClient | None) -> None:
    query = Declaration.filter(id=d.id)
    if conn is not None:
        query = query.using_db(conn)
    await query.update(flags=d.flags, queue_rank=d.queue_rank)


def _minor(d: Declaration) -> bool:
    return flags.is_minor(d.date_of_birth, d.arrived_at.astimezone(VIETNAM).date())


def related_query(
    conn: BaseDBAsyncClient,
    establishment_id: int,
    ids: list[Any],
    parties: set[Any],
    guardians: set[Any],
    *,
    unsaved: bool,
) -> tuple[list[str], list[Any]]:
    """The conditions and values (``db.ids_where``) that find the declarations whom a
    change to ``ids`` may concern: those declarations, their guardians, the members of
    their parties at the establishment, those they guard (the caller keeps the guests in
    house there)."""
    values: list[Any] = []
    wheres: list[str] = []

    def among(column: str, items: Iterable[Any], at_establishment: bool = False) -> None:
        where = ""
        if at_establishment:
            values.append(establishment_id)
            where = f"establishment_id = {db.marks(conn, 1, len(values))} AND "
        converted = db.params(Declaration, column, items)
        among_them = f"{column} IN ({db.marks(conn, len(converted), len(values) + 1)})"
        wheres.append(where + db.rare(conn, among_them))
        values.extend(converted)

    among("guardian_id", ids)
    if not unsaved:
        among("id", ids)
    if parties:
        among("party_id", parties, at_establishment=True)
    if guardians:
        among("id", guardians)
    return wheres, values


async def refresh_minors(
    establishment_id: int,
    touched: Iterable[Declaration],
    conn: BaseDBAsyncClient,
    *,
    unsaved: bool = False,
) -> None:
    """Flag each minor in house at the establishment, among ``touched`` and the members of
    their parties, who has no adult of the party (or their named guardian) declared there;
    clear the flag once one is. ``touched`` objects get the stored columns too.

    ``unsaved``: the touched declarations are about to be inserted; they are judged as
    they are in memory (not read back) and only the other rows are updated in the
    database."""
    by_id = {d.id: d for d in touched}
    touched = list(by_id.values())
    ids = list(by_id)
    parties = {d.party_id for d in touched if d.party_id}
    guardians = {d.guardian_id for d in touched if d.guardian_id}
    wheres, values = related_query(conn, establishment_id, ids, parties, guardians, unsaved=unsaved)
    found = await db.ids_where(conn, "declaration", wheres, values)
    rows: list[Declaration] = []
    if found:
        rows = (
            await Declaration.filter(
                id__in=found, establishment_id=establishment_id, stay_status=StayStatus.IN_HOUSE
            )
            .using_db(conn)
            .only(
                "id",
                "party_id",
                "guardian_id",
                "date_of_birth",
                "arrived_at",
                "flags",
                "queue_rank",
            )
        )
    if unsaved:
        rows = [d for d in rows if d.id not in by_id] + touched
    adults = [d for d in rows if not _minor(d)]
    for d in rows:
        alone = _minor(d) and not any(
            (d.party_id and a.party_id == d.party_id) or a.id == d.guardian_id for a in adults
        )
        if _set(d, "minor_alone", alone):
            if unsaved and d.id in by_id:
                continue  # inserted with the flag by the caller
            await _save_flags(d, conn)
            if d.id in by_id:
                by_id[d.id].flags, by_id[d.id].queue_rank = d.flags, d.queue_rank


async def refresh_watch(unit: PoliceUnit, entry: WatchEntry) -> int:
    """After an entry is added or ended: set or clear ``watch_list`` on the guests in house
    it concerns. Returns how many declarations changed."""
    concerned = Q(id__isnull=True)
    if entry.document_number:
        concerned |= Q(document_number=entry.document_number)
    if entry.name_search:
        concerned |= Q(name_search=entry.name_search)
    query = Declaration.filter(concerned, stay_status=StayStatus.IN_HOUSE)
    rows = await query.limit(10_000)
    candidates = [d for d in rows if scope.covers(unit, d.province_id, d.police_unit_id)]
    hits = await watch_hits(candidates)
    changed = 0
    for d in candidates:
        if _set(d, "watch_list", str(d.id) in hits):
            await _save_flags(d, None)
            changed += 1
    return changed


async def add_entry(
    user: User,
    unit: PoliceUnit,
    *,
    document_number: str | None,
    nationality: str | None,
    full_name: str,
    date_of_birth: str | None,
    reason: str,
) -> tuple[WatchEntry, int]:
    entry = await WatchEntry.create(
        police_unit_id=unit.id,
        document_number=document_number or None,
        nationality=nationality or None,
        full_name=full_name,
        name_search=ascii_name(full_name).lower() or None,
        date_of_birth=date_of_birth or None,
        reason=reason,
        created_by_id=user.id,
    )
    return entry, await refresh_watch(unit, entry)


async def end_entry(user: User, unit: PoliceUnit, entry: WatchEntry) -> int:
    entry.removed_at = datetime.now(UTC)
    entry.removed_by_id = user.id
    await entry.save(update_fields=["removed_at", "removed_by_id"])
    return await refresh_watch(unit, entry)


def describe(hits: list[WatchEntry], lang: str) -> list[dict[str, Any]]:
    return [
        {"reason": e.reason, "unit": e.police_unit.name(lang), "since": e.created_at} for e in hits
    ]
