"""Corrections: a new revision of a declaration the police have not confirmed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from ..errors import ValidationFailed
from ..models import Declaration, DeclarationRevision, Establishment, User
from ..reports import rollups
from ..settings import Settings
from . import lifecycle, rules, screening
from .feed import take_change_numbers
from .records import Pending, content_hash, context_for, lock_for, record_event, screen_stays


async def correct(
    record_id: str,
    raw: dict[str, Any],
    *,
    user: User,
    establishment: Establishment,
    settings: Settings,
    ip: str = "",
) -> Declaration:
    """A new revision of a declaration the lifecycle lets the establishment correct.

    The checks run as of the original receipt, so a record received yesterday can still
    be corrected today; a resend of the current content changes nothing. Raises NotFound
    outside the caller's scope, Refused (409) in a state that allows no correction,
    ValidationFailed (422) listing each problem."""
    async with in_transaction("default") as conn:
        d = await lock_for(conn, user, record_id, "correct")
        item = {**raw, "id": record_id}
        item.setdefault("declared_at", d.declared_at.isoformat())
        digest = content_hash(item)
        if digest == d.content_hash:
            return d
        checked = rules.check(item, context_for(establishment, settings, d.received_at))
        pending = Pending(0, item, checked, digest)
        if not checked.errors:
            await screen_stays([pending], establishment, exclude=d.id)
        if checked.errors:
            raise ValidationFailed(fields=[e.as_json() for e in checked.errors])
        before, counted = d.state, rollups.facts(d)
        d.update_from_dict(pending.columns())
        await screening.flag_watch_hits([d], conn)
        d.revision += 1
        d.version += 1
        d.review_state, d.stay_status = lifecycle.after("correct", d.review_state, d.stay_status)
        d.change_seq = await take_change_numbers(conn, 1)
        await d.save(using_db=conn)
        await rollups.record(conn, before=[counted], after=[d])
        await DeclarationRevision.create(
            declaration_id=d.id, number=d.revision, data=rules.content_key(item),
            content_hash=digest, created_at=datetime.now(UTC), user_id=user.id, ip=ip,
            using_db=conn,
        )  # fmt: skip
        await record_event(conn, d, user, "correct", before, ip, revision=d.revision)
        await screening.refresh_minors(establishment.id, [d], conn)
        return d
