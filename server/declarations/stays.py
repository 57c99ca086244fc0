"""The end of a stay: check-out and cancellation (``lifecycle.ACTIONS``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from ..errors import ValidationFailed
from ..models import Declaration, User
from ..reports import rollups
from . import lifecycle
from .feed import take_change_numbers
from .issues import Issue
from .lifecycle import StayStatus
from .records import lock, record_event, refuse_unless_allowed


async def _end(
    record_id: str,
    action: str,
    *,
    user: User,
    ip: str,
    already_done: Callable[[Declaration], bool],
    change: Callable[[Declaration], dict[str, Any]],
) -> Declaration:
    """Lock, check, change, record, in one transaction. A resend of a change already
    made returns the record as it is."""
    async with in_transaction("default") as conn:
        d = await lock(conn, user, record_id)
        if already_done(d):
            return d
        refuse_unless_allowed(d, action)
        before, counted = d.state, rollups.facts(d)
        detail = change(d)
        d.review_state, d.stay_status = lifecycle.after(action, d.review_state, d.stay_status)
        d.version += 1
        d.change_seq = await take_change_numbers(conn, 1)
        await d.save(using_db=conn)
        await rollups.record(conn, before=[counted], after=[d])
        await record_event(conn, d, user, action, before, ip, **detail)
        return d


def _invalid(field: str, code: str) -> ValidationFailed:
    return ValidationFailed(fields=[Issue(field, code).as_json()])


async def check_out(
    record_id: str, departed_at: datetime, *, user: User, ip: str = ""
) -> Declaration:
    def change(d: Declaration) -> dict[str, Any]:
        if departed_at < d.arrived_at:
            raise _invalid("departed_at", "departure_before_arrival")
        if departed_at > datetime.now(UTC) + timedelta(days=1):
            raise _invalid("departed_at", "departure_in_future")
        d.departed_at = departed_at
        return {"departed_at": departed_at.isoformat()}

    return await _end(
        record_id, "check_out", user=user, ip=ip,
        already_done=lambda d: (
            d.stay_status == StayStatus.CHECKED_OUT and d.departed_at == departed_at
        ),
        change=change,
    )  # fmt: skip


async def cancel(record_id: str, reason: str, *, user: User, ip: str = "") -> Declaration:
    def change(d: Declaration) -> dict[str, Any]:
        d.cancel_reason = reason
        return {"reason": reason}

    return await _end(
        record_id, "cancel", user=user, ip=ip,
        already_done=lambda d: d.stay_status == StayStatus.CANCELLED,
        change=change,
    )  # fmt: skip
