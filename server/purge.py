"""Data protection: guests' personal data is kept only as long as the purpose needs.

``purge`` reduces every declaration whose stay ended (checked out, or cancelled) more
than ``RETENTION_DAYS`` ago to what the reports count: dates, nationality, states,
flags, the establishment and police unit. Names, birth dates (the year stays, for age
statistics), documents, contact details, rooms and the MRZ are blanked; revisions (full
copies) are deleted; history entries keep who did what and when, not the values. The
run is written to the audit log. Run it daily: ``make purge`` or ``luutru purge``.

Nothing of the guest is left anywhere in the database files afterwards: party ids,
content hashes and feedback comments are cleared too, the access log never held search
terms in clear (police/access.py), and on SQLite ``secure_delete`` zeroes freed space and
the WAL is checkpointed and truncated (``db.scrub``). On PostgreSQL the old row versions
stay in the table files until VACUUM reclaims them: run ``VACUUM`` on ``declaration``,
``declaration_revision`` and ``feedback`` after a purge (autovacuum does it eventually;
``VACUUM FULL`` also returns the space to the system).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from . import db
from .declarations import fields
from .models import (
    AuditEvent,
    Declaration,
    DeclarationEvent,
    DeclarationRevision,
    Feedback,
    StayStatus,
)

BATCH = 500
# What is cleared besides the personal fields of the table (``fields.PERSONAL``): the
# record's own columns that hold personal data.
CLEARED_COLUMNS = {
    "name_search": "",
    "review_reason": None,
    "cancel_reason": None,
    # An unsalted hash of the personal fields would confirm the stay to anyone holding
    # the passport; it is only needed while the record can still be resent.
    "content_hash": "",
}


@dataclass
class PurgeResult:
    cutoff: datetime
    declarations: int
    dry_run: bool


def _due(cutoff: datetime) -> QuerySet[Declaration]:
    return Declaration.filter(purged_at__isnull=True).filter(
        Q(stay_status=StayStatus.CHECKED_OUT, departed_at__lt=cutoff)
        | Q(stay_status=StayStatus.CANCELLED, updated_at__lt=cutoff)
    )


async def purge(
    retention_days: int, *, now: datetime | None = None, dry_run: bool = False
) -> PurgeResult:
    """Purge what is due; with ``dry_run``, only count it."""
    if retention_days < 1:
        raise ValueError("RETENTION_DAYS must be at least 1")
    moment = now or datetime.now(UTC)
    cutoff = moment - timedelta(days=retention_days)
    if dry_run:
        return PurgeResult(cutoff, await _due(cutoff).count(), True)
    total = 0
    while True:
        personal = [f.name for f in fields.PERSONAL]
        rows = await _due(cutoff).limit(BATCH).values("id", *personal)
        if not rows:
            break
        async with in_transaction("default"):
            for row in rows:
                cleared = {f.name: f.purged(row[f.name]) for f in fields.PERSONAL}
                await Declaration.filter(id=row["id"], purged_at__isnull=True).update(
                    **cleared, **CLEARED_COLUMNS, purged_at=moment
                )
            ids = [r["id"] for r in rows]
            await DeclarationRevision.filter(declaration_id__in=ids).delete()
            await DeclarationEvent.filter(declaration_id__in=ids).update(detail={"purged": True})
            await Feedback.filter(declaration_id__in=ids).update(comment="")
        total += len(rows)
    await AuditEvent.create(
        action="purge",
        target=f"{total} declarations",
        detail={"cutoff": cutoff.isoformat(), "retention_days": retention_days, "count": total},
    )
    if total:
        await db.scrub()
    return PurgeResult(cutoff, total, False)
