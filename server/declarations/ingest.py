"""Storing a batch of declarations exactly once.

A batch is checked item by item (``rules.check``), then compared with what the database
already holds under the same client ids: same id and content → ``duplicate`` with the
original receipt; same id, other content → ``conflict``. New valid items get the
database-side checks (still checked in here: refused; overlapping stay elsewhere:
flagged) and are inserted together in one transaction. If that insert collides with a
concurrent request (same id sent twice at once), the items are retried one by one and the
collision resolves to ``duplicate`` or ``conflict``: nothing is ever stored twice.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from .. import db, metrics
from ..models import Declaration, DeclarationEvent, DeclarationRevision, Establishment, User
from ..reports import rollups
from ..settings import Settings
from . import rules, screening
from .feed import take_change_numbers
from .issues import Issue
from .records import Pending, content_hash, context_for, new_receipt_number, screen_stays

log = logging.getLogger("luutru")

# A batch's checks run in steps of this many items, and its rows are converted in a few
# steps, letting the event loop go on between them: a transaction of another request,
# which holds the change counter (and on SQLite the process's connection) until it
# commits, waits for the loop between its statements, at most one step.
YIELD_EVERY = 10


def result(
    record_id: str | None,
    outcome: str,
    *,
    declaration: Declaration | None = None,
    errors: list[Issue] | None = None,
    warnings: list[Issue] | None = None,
) -> dict[str, Any]:
    return {
        "id": record_id,
        "result": outcome,
        "receipt_number": declaration.receipt_number if declaration else None,
        "receipt_code": None,  # signed by the API (api/declarations.py)
        "state": declaration.state if declaration else None,
        "warnings": [w.as_json() for w in warnings or []],
        "errors": [e.as_json() for e in errors or []],
    }


def _replay(prior: Declaration, pending: Pending, establishment: Establishment) -> dict[str, Any]:
    """The answer for an id the database already has."""
    if prior.establishment_id == establishment.id and prior.content_hash == pending.digest:
        warnings = [Issue.from_stored(w) for w in prior.warnings]
        return result(pending.id, "duplicate", declaration=prior, warnings=warnings)
    # Another content, or another establishment's record: never overwritten, never shown.
    return result(pending.id, "conflict", errors=[Issue("id", "id_conflict")])


class Ingested(NamedTuple):
    """One result per item, in order, and the stored declaration behind each ``created``
    or ``duplicate`` result, by id (what its receipt is made from)."""

    results: list[dict[str, Any]]
    stored: dict[str, Declaration]


async def ingest(
    items: list[Any],
    *,
    user: User,
    establishment: Establishment,
    settings: Settings,
    ip: str = "",
    now: datetime | None = None,
) -> Ingested:
    """Check and store a batch."""
    now = now or datetime.now(UTC)
    ctx = context_for(establishment, settings, now)
    results: list[dict[str, Any] | None] = [None] * len(items)
    pending: list[Pending] = []
    for index, raw in enumerate(items):
        if index % YIELD_EVERY == YIELD_EVERY - 1:
            await asyncio.sleep(0)  # see YIELD_EVERY
        if not isinstance(raw, dict):
            results[index] = result(None, "invalid", errors=[Issue("", "invalid_type")])
            continue
        checked = rules.check(raw, ctx)
        if checked.values.get("id") is None:
            results[index] = result(
                raw.get("id") if isinstance(raw.get("id"), str) else None,
                "invalid",
                errors=checked.errors,
                warnings=checked.warnings,
            )
            continue
        pending.append(Pending(index, raw, checked, content_hash(raw)))

    existing = await _existing({p.id for p in pending})
    stored: dict[str, Declaration] = {}
    first_in_batch: dict[str, Pending] = {}
    repeats: list[Pending] = []  # an id already seen earlier in this batch
    fresh: list[Pending] = []
    for item in pending:
        prior = existing.get(item.id)
        if prior is not None:
            answer = results[item.index] = _replay(prior, item, establishment)
            if answer["result"] == "duplicate":
                stored[item.id] = prior
            continue
        if item.id in first_in_batch:
            repeats.append(item)
            continue
        first_in_batch[item.id] = item
        if item.checked.errors:
            results[item.index] = result(
                item.id, "invalid", errors=item.checked.errors, warnings=item.checked.warnings
            )
            continue
        fresh.append(item)

    await screen_stays(fresh, establishment)
    valid = [item for item in fresh if not item.checked.errors]
    for item in fresh:
        if item.checked.errors:
            results[item.index] = result(
                item.id, "invalid", errors=item.checked.errors, warnings=item.checked.warnings
            )
    created = await _store(valid, user=user, establishment=establishment, now=now, ip=ip)
    for item in valid:
        results[item.index], declaration = created[item.id]
        if declaration is not None:
            stored[item.id] = declaration

    for item in repeats:  # answered like a resend of the first one
        first = first_in_batch[item.id]
        first_result = results[first.index]
        assert first_result is not None
        if first.digest != item.digest:
            results[item.index] = result(item.id, "conflict", errors=[Issue("id", "id_conflict")])
        elif first_result["result"] in ("created", "duplicate"):
            results[item.index] = {**first_result, "result": "duplicate"}
        else:
            results[item.index] = first_result
    answered = [r for r in results if r is not None]
    assert len(answered) == len(items)
    metrics.count_results(answered)
    return Ingested(answered, stored)


async def _existing(ids: set[str]) -> dict[str, Declaration]:
    """The stored declarations among ``ids`` (usually none: a look by id first)."""
    if not ids:
        return {}
    conn = connections.get("default")
    where = f"id IN ({db.marks(conn, len(ids))})"
    found = await db.ids_where(conn, "declaration", [where], db.params(Declaration, "id", ids))
    if not found:
        return {}
    return {str(d.id): d for d in await Declaration.filter(id__in=found)}


def _declaration(
    item: Pending, *, user: User, establishment: Establishment, now: datetime
) -> Declaration:
    declared_at = item.checked.values["declared_at"]
    return db.unsaved(
        Declaration,
        {
            "id": uuid.UUID(item.id),
            "establishment_id": establishment.id,
            "police_unit_id": establishment.police_unit_id,
            "province_id": establishment.province_id,
            "receipt_number": new_receipt_number(),
            "declared_at": declared_at,
            "received_at": now,
            "updated_at": now,
            "clock_skew_seconds": int((now - declared_at).total_seconds()),
            "change_seq": 0,
            "created_by_id": user.id,
            **item.columns(),
        },
    )


def revision_data(item: Pending) -> dict[str, Any]:
    """The content as the client sent it (kept verbatim for the reviewer's diffs)."""
    return rules.content_key(item.raw)


@dataclass
class Prepared:
    """A batch's rows, built, screened and converted to column values before the
    transaction (see ``_write``): the declarations also as objects (the screening and
    the answers read them); their first revision and history entry; what they add to
    the report totals (nothing the in-transaction screening sets: the minor flag is not
    counted)."""

    declarations: list[Declaration]
    values: list[list[Any]]  # the declarations' columns
    revisions: list[list[Any]]
    events: list[list[Any]]
    totals: rollups.Delta


async def _prepare(
    items: list[Pending], *, user: User, establishment: Establishment, now: datetime, ip: str
) -> Prepared:
    declarations = [
        _declaration(item, user=user, establishment=establishment, now=now) for item in items
    ]
    await screening.flag_watch_hits(declarations)
    await asyncio.sleep(0)
    conn = connections.get("default")
    revisions = [
        {"declaration_id": d.id, "number": 1, "data": revision_data(item),
         "content_hash": item.digest, "created_at": now, "user_id": user.id, "ip": ip}
        for d, item in zip(declarations, items, strict=True)
    ]  # fmt: skip
    events = [
        {"declaration_id": d.id, "at": now, "user_id": user.id, "action": "received",
         "to_state": "received", "ip": ip, "detail": {"clock_skew_seconds": d.clock_skew_seconds}}
        for d in declarations
    ]  # fmt: skip
    values = db.row_values(conn, Declaration, [vars(d) for d in declarations])
    await asyncio.sleep(0)
    revision_values = db.row_values(conn, DeclarationRevision, revisions)
    event_values = db.row_values(conn, DeclarationEvent, events)
    await asyncio.sleep(0)
    totals = rollups.Delta().count(rollups.facts(d) for d in declarations)
    return Prepared(declarations, values, revision_values, event_values, totals)


# What the transaction sets in the prepared rows (see ``_write``).
_SET_IN_TRANSACTION = ("change_seq", "flags", "queue_rank")


async def _write(conn: BaseDBAsyncClient, rows: Prepared, establishment: Establishment) -> None:
    """Only writes and what must see them: on SQLite the first statement (taking the
    change numbers) takes the write lock, held until the commit, so it comes first and
    everything else was done before (a read first would make the lock upgrade fail at
    once, without waiting, when another writer got in between). The rows were converted
    before; only their feed positions and the minor flag are put in here."""
    await db.reuse_plans(conn)  # no-op on SQLite, so the counter still comes first
    last = await take_change_numbers(conn, len(rows.declarations))
    for k, d in enumerate(rows.declarations):
        d.change_seq = last - len(rows.declarations) + 1 + k
    await screening.refresh_minors(establishment.id, rows.declarations, conn, unsaved=True)
    setters = [db.column_setter(conn, Declaration, name) for name in _SET_IN_TRANSACTION]
    for d, values in zip(rows.declarations, rows.values, strict=True):
        for name, set_value in zip(_SET_IN_TRANSACTION, setters, strict=True):
            set_value(values, getattr(d, name))
    await db.insert_values(conn, Declaration, rows.values)
    await db.insert_values(conn, DeclarationRevision, rows.revisions)
    await db.insert_values(conn, DeclarationEvent, rows.events)
    await rollups.write(conn, rows.totals)


async def _commit(rows: Prepared, establishment: Establishment) -> None:
    """``_write`` in a transaction of its own: on SQLite, one task on the connection's
    thread (``db.write_transaction``)."""
    await db.write_transaction(functools.partial(_write, rows=rows, establishment=establishment))


Answer = tuple[dict[str, Any], Declaration | None]  # the result, what is stored under it


async def _store(
    items: list[Pending], *, user: User, establishment: Establishment, now: datetime, ip: str
) -> dict[str, Answer]:
    if not items:
        return {}
    rows = await _prepare(items, user=user, establishment=establishment, now=now, ip=ip)
    try:
        await _commit(rows, establishment)
        return {
            item.id: (result(item.id, "created", declaration=d, warnings=item.checked.warnings), d)
            for d, item in zip(rows.declarations, items, strict=True)
        }
    except IntegrityError:
        log.info("batch insert collided; storing %d items one by one", len(items))
    answers: dict[str, Answer] = {}
    for item in items:
        answers[item.id] = await _store_one(
            item, user=user, establishment=establishment, now=now, ip=ip
        )
    return answers


async def _store_one(
    item: Pending, *, user: User, establishment: Establishment, now: datetime, ip: str
) -> Answer:
    for _attempt in range(3):
        rows = await _prepare([item], user=user, establishment=establishment, now=now, ip=ip)
        try:
            await _commit(rows, establishment)
            (stored,) = rows.declarations
            answer = result(item.id, "created", declaration=stored, warnings=item.checked.warnings)
            return answer, stored
        except IntegrityError:
            prior = await Declaration.get_or_none(id=item.id)
            if prior is not None:
                answer = _replay(prior, item, establishment)
                return answer, prior if answer["result"] == "duplicate" else None
            # Otherwise a receipt number clashed: draw another.
    raise RuntimeError("could not store a declaration after three attempts")
