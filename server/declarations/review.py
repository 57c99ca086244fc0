"""Police decisions on a declaration: confirm, return for correction, escalate.

Each decision is one transaction: lock the record, check the version the officer saw
(the first of two officers wins; the second is told), change the review state, take a
new place in the change feed (so the hotel's app sees it), and record the event.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from .. import scope
from ..errors import Conflict, ValidationFailed
from ..i18n import N_
from ..models import Declaration, DeclarationEvent, ReviewState, User
from ..reports import rollups
from . import flags, lifecycle
from .feed import take_change_numbers
from .records import lock, record_event, refuse_unless_allowed

DECISIONS = lifecycle.DECISIONS


class StaleVersion(Conflict):
    """Someone else changed the declaration since the officer loaded it."""

    code = "stale_version"

    def __init__(self, current: Declaration) -> None:
        super().__init__()
        self.current = current


class ReasonRequired(ValidationFailed):
    code = "reason_required"
    message = N_("Give the establishment a reason for the correction.")


async def decide(
    record_id: str,
    decision: str,
    *,
    user: User,
    reason: str = "",
    expected_version: int | None = None,
    ip: str = "",
) -> Declaration:
    """Apply ``decision`` (one of ``DECISIONS``). Raises NotFound outside the officer's
    scope, StaleVersion on a concurrent change, Refused in a state the lifecycle does not
    allow it from, ReasonRequired for a return without a reason."""
    reason = reason.strip()
    if decision == "return" and not reason:
        raise ReasonRequired()
    async with in_transaction("default") as conn:
        d = await lock(conn, user, record_id)
        if expected_version is not None and d.version != expected_version:
            raise StaleVersion(d)
        refuse_unless_allowed(d, decision)
        before, counted = d.state, rollups.facts(d)
        before_review = d.review_state.value
        d.review_state, d.stay_status = lifecycle.after(decision, d.review_state, d.stay_status)
        d.review_reason = reason or None
        d.reviewed_at = datetime.now(UTC)
        d.reviewed_by_id = user.id
        d.version += 1
        d.change_seq = await take_change_numbers(conn, 1)
        await d.save(using_db=conn)
        await rollups.record(conn, before=[counted], after=[d])
        await record_event(
            conn, d, user, decision, before, ip, reason=reason, review_from=before_review
        )
        return d


BULK_CHUNK = 100


async def confirm_many(candidates: list[Declaration], *, user: User, ip: str = "") -> int:
    """Confirm declarations as they were seen in the preview, in chunks of one
    transaction each. A declaration that changed since (another decision, a correction,
    a new flag) is left alone for a person to read. Returns how many were confirmed."""
    confirmed = 0
    for start in range(0, len(candidates), BULK_CHUNK):
        chunk = candidates[start : start + BULK_CHUNK]
        async with in_transaction("default") as conn:
            last = await take_change_numbers(conn, len(chunk))
            now = datetime.now(UTC)
            events = []
            counted: list[rollups.Facts] = []  # before, and after in ``changed``
            changed: list[Declaration] = []
            for offset, seen in enumerate(chunk):
                updated = await (
                    Declaration.filter(scope.declaration_filter(user))
                    .filter(
                        id=seen.id,
                        version=seen.version,
                        review_state=ReviewState.NEW,
                        stay_status__in=list(lifecycle.ACTIONS["confirm"].stay),
                        queue_rank=flags.CLEAN,
                    )
                    .using_db(conn)
                    .update(
                        review_state=ReviewState.CONFIRMED,
                        review_reason=None,
                        reviewed_at=now,
                        reviewed_by_id=user.id,
                        version=seen.version + 1,
                        change_seq=last - len(chunk) + 1 + offset,
                    )
                )
                if updated:
                    before = seen.state
                    counted.append(rollups.facts(seen))
                    seen.review_state, seen.reviewed_at = ReviewState.CONFIRMED, now
                    changed.append(seen)
                    events.append(
                        DeclarationEvent(
                            declaration_id=seen.id, at=now, user_id=user.id,
                            action=lifecycle.ACTIONS["confirm"].event, from_state=before,
                            to_state=seen.state,
                            ip=ip, detail={"bulk": True, "review_from": "new"},
                        )
                    )  # fmt: skip
            await DeclarationEvent.bulk_create(events, using_db=conn)
            await rollups.record(conn, before=counted, after=changed)
            confirmed += len(events)
    return confirmed
