"""Storing declarations exactly once.

A batch is checked item by item (``rules.check``), then compared with what the database
already holds under the same client ids: same id and content → ``duplicate`` with the
original receipt; same id, other content → ``conflict``. New valid items get the
database-side checks (still checked in here: refused; overlapping stay elsewhere:
flagged) and are inserted together in one transaction. If that insert collides with a
concurrent request (same id sent twice at once), the items are retried one by one and the
collision resolves to ``duplicate`` or ``conflict``: nothing is ever stored twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from ..models import (
    ChangeCounter,
    Declaration,
    DeclarationEvent,
    DeclarationRevision,
    Establishment,
    EstablishmentKind,
    ReviewState,
    StayStatus,
    User,
)
from ..settings import Settings
from . import flags, rules, screening
from .rules import VIETNAM, Issue

log = logging.getLogger("luutru")

# Crockford's base32 without I, L, O, U: easy to read aloud and to type from paper.
_RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_receipt_number() -> str:
    """``XXXX-XXXX-XX``: 50 random bits, unique by constraint (a clash is retried)."""
    chars = "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(10))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def content_hash(item: dict[str, Any]) -> str:
    canonical = json.dumps(
        rules.content_key(item), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def context_for(
    establishment: Establishment, settings: Settings, now: datetime
) -> rules.RuleContext:
    return rules.RuleContext(
        now=now,
        arrival_window_days=settings.arrival_window_days,
        document_number_max=settings.document_number_max,
        grace_hours=settings.grace_hours,
        remote_grace_hours=settings.remote_grace_hours,
        remote_area=establishment.remote_area,
        room_required=establishment.kind == EstablishmentKind.HOTEL,
    )


async def take_change_numbers(conn: BaseDBAsyncClient, count: int) -> int:
    """Reserve ``count`` positions in the change feed; returns the last one. The counter
    row stays locked until the transaction commits (see ``ChangeCounter``)."""
    placeholder = "?" if conn.capabilities.dialect == "sqlite" else "$1"
    # execute_query_dict: Tortoise's asyncpg execute_query drops rows of an UPDATE.
    rows = await conn.execute_query_dict(
        f"UPDATE change_counter SET value = value + {placeholder} WHERE id = 1 "  # noqa: S608
        "RETURNING value",
        [count],
    )
    return int(rows[0]["value"])


async def last_change_number() -> int:
    """The last committed position of the change feed: a reader that starts after it
    misses nothing, because positions become visible in order (see ``ChangeCounter``)."""
    counter = await ChangeCounter.get_or_none(id=1)
    return counter.value if counter else 0


def _nights(arrived: datetime, departure: date) -> tuple[date, date]:
    start = arrived.astimezone(VIETNAM).date()
    return start, max(departure, start + timedelta(days=1))


@dataclass
class Pending:
    index: int
    raw: dict[str, Any]
    checked: rules.Checked
    digest: str

    @property
    def id(self) -> str:
        return str(self.checked.values["id"])


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


async def ingest(
    items: list[Any],
    *,
    user: User,
    establishment: Establishment,
    settings: Settings,
    ip: str = "",
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Check and store a batch; one result per item, in order."""
    now = now or datetime.now(UTC)
    ctx = context_for(establishment, settings, now)
    results: list[dict[str, Any] | None] = [None] * len(items)
    pending: list[Pending] = []
    for index, raw in enumerate(items):
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

    existing = {str(d.id): d for d in await Declaration.filter(id__in=[p.id for p in pending])}
    first_in_batch: dict[str, Pending] = {}
    repeats: list[Pending] = []  # an id already seen earlier in this batch
    fresh: list[Pending] = []
    for item in pending:
        prior = existing.get(item.id)
        if prior is not None:
            results[item.index] = _replay(prior, item, establishment)
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

    await _database_checks(fresh, establishment)
    valid = [item for item in fresh if not item.checked.errors]
    for item in fresh:
        if item.checked.errors:
            results[item.index] = result(
                item.id, "invalid", errors=item.checked.errors, warnings=item.checked.warnings
            )
    created = await _store(valid, user=user, establishment=establishment, now=now, ip=ip)
    for item in valid:
        results[item.index] = created[item.id]

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
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


async def _database_checks(
    items: list[Pending], establishment: Establishment, exclude: Any = None
) -> None:
    """Still checked in here → refused; checked in elsewhere on overlapping nights → flagged."""
    if not items:
        return
    numbers = {item.checked.values["document_number"] for item in items}
    in_house = await Declaration.filter(
        document_number__in=list(numbers), stay_status=StayStatus.IN_HOUSE
    ).only(
        "id", "establishment_id", "document_number", "nationality", "arrived_at",
        "expected_departure", "receipt_number",
    )  # fmt: skip
    claimed: set[tuple[str, str]] = set()  # (number, nationality) seen in this batch
    for item in items:
        v = item.checked.values
        key = (v["document_number"], v["nationality"])
        start, end = _nights(v["arrived_at"], v["expected_departure"])
        overlapping = False
        for other in in_house:
            if (other.document_number, other.nationality) != key:
                continue
            if str(other.id) == item.id or (exclude is not None and other.id == exclude):
                # This very record, stored by a concurrent request since we looked: the
                # insert below will collide and resolve to duplicate or conflict.
                continue
            if other.establishment_id == establishment.id:
                item.checked.errors.append(
                    Issue(
                        "document_number", "already_checked_in", {"receipt": other.receipt_number}
                    )
                )
                break
            other_start, other_end = _nights(other.arrived_at, other.expected_departure)
            overlapping = overlapping or (start < other_end and other_start < end)
        else:
            if key in claimed:
                item.checked.errors.append(Issue("document_number", "duplicate_in_batch"))
                continue
            claimed.add(key)
            if overlapping:
                item.checked.warnings.append(Issue("document_number", "overlapping_stay"))


def _declaration(
    item: Pending, *, user: User, establishment: Establishment, now: datetime, seq: int
) -> Declaration:
    v = item.checked.values
    warnings = [w.as_stored() for w in item.checked.warnings]
    return Declaration(
        id=uuid.UUID(item.id),
        establishment_id=establishment.id,
        police_unit_id=establishment.police_unit_id,
        province_id=establishment.province_id,
        receipt_number=new_receipt_number(),
        content_hash=item.digest,
        full_name=v["full_name"],
        name_search=rules.ascii_name(v["full_name"]).lower(),
        sex=v["sex"],
        date_of_birth=v["date_of_birth"],
        nationality=v["nationality"],
        document_type=v["document_type"],
        document_number=v["document_number"],
        document_expiry=v["document_expiry"],
        entry_kind=v["entry_kind"],
        visa_category=v["visa_category"],
        entry_document_number=v["entry_document_number"],
        entry_document_issued_on=v["entry_document_issued_on"],
        stay_permitted_until=v["stay_permitted_until"],
        entry_date=v["entry_date"],
        entry_port=v["entry_port"],
        purpose=v["purpose"],
        arrived_at=v["arrived_at"],
        expected_departure=v["expected_departure"],
        room=v["room"],
        phone=v["phone"],
        email=v["email"],
        party_id=v["party_id"],
        party_leader=v["party_leader"],
        guardian_id=uuid.UUID(v["guardian_id"]) if v["guardian_id"] else None,
        relationship=v["relationship"],
        mrz=v["mrz"],
        declared_at=v["declared_at"],
        received_at=now,
        clock_skew_seconds=int((now - v["declared_at"]).total_seconds()),
        warnings=warnings,
        **flags.columns(warnings),
        change_seq=seq,
        created_by_id=user.id,
    )


def revision_data(item: Pending) -> dict[str, Any]:
    """The content as the client sent it (kept verbatim for the reviewer's diffs)."""
    return rules.content_key(item.raw)


@dataclass
class Prepared:
    """A batch's rows, built and screened before the transaction (see ``_write``)."""

    declarations: list[Declaration]
    revisions: list[DeclarationRevision]
    events: list[DeclarationEvent]


async def _prepare(
    items: list[Pending], *, user: User, establishment: Establishment, now: datetime, ip: str
) -> Prepared:
    declarations = [
        _declaration(item, user=user, establishment=establishment, now=now, seq=0) for item in items
    ]
    await screening.flag_watch_hits(declarations)
    return Prepared(
        declarations,
        [
            DeclarationRevision(
                declaration_id=d.id, number=1, data=revision_data(item),
                content_hash=item.digest, created_at=now, user_id=user.id, ip=ip,
            )
            for d, item in zip(declarations, items, strict=True)
        ],
        [
            DeclarationEvent(
                declaration_id=d.id, at=now, user_id=user.id, action="received",
                to_state="received", ip=ip,
                detail={"clock_skew_seconds": d.clock_skew_seconds},
            )
            for d in declarations
        ],
    )  # fmt: skip


async def _write(rows: Prepared, conn: BaseDBAsyncClient, establishment: Establishment) -> None:
    """Only writes and what must see them: on SQLite the first statement (taking the
    change numbers) takes the write lock, held until the commit, so it comes first and
    everything else was done before (a read first would make the lock upgrade fail at
    once, without waiting, when another writer got in between)."""
    last = await take_change_numbers(conn, len(rows.declarations))
    for k, d in enumerate(rows.declarations):
        d.change_seq = last - len(rows.declarations) + 1 + k
    await screening.refresh_minors(establishment.id, rows.declarations, conn, unsaved=True)
    await Declaration.bulk_create(rows.declarations, using_db=conn)
    await DeclarationRevision.bulk_create(rows.revisions, using_db=conn)
    await DeclarationEvent.bulk_create(rows.events, using_db=conn)


async def _store(
    items: list[Pending], *, user: User, establishment: Establishment, now: datetime, ip: str
) -> dict[str, dict[str, Any]]:
    if not items:
        return {}
    rows = await _prepare(items, user=user, establishment=establishment, now=now, ip=ip)
    try:
        async with in_transaction() as conn:
            await _write(rows, conn, establishment)
        return {
            str(d.id): result(str(d.id), "created", declaration=d, warnings=item.checked.warnings)
            for d, item in zip(rows.declarations, items, strict=True)
        }
    except IntegrityError:
        log.info("batch insert collided; storing %d items one by one", len(items))
    answers: dict[str, dict[str, Any]] = {}
    for item in items:
        answers[item.id] = await _store_one(
            item, user=user, establishment=establishment, now=now, ip=ip
        )
    return answers


async def _store_one(
    item: Pending, *, user: User, establishment: Establishment, now: datetime, ip: str
) -> dict[str, Any]:
    for _attempt in range(3):
        rows = await _prepare([item], user=user, establishment=establishment, now=now, ip=ip)
        try:
            async with in_transaction() as conn:
                await _write(rows, conn, establishment)
            (stored,) = rows.declarations
            return result(item.id, "created", declaration=stored, warnings=item.checked.warnings)
        except IntegrityError:
            prior = await Declaration.get_or_none(id=item.id)
            if prior is not None:
                return _replay(prior, item, establishment)
            # Otherwise a receipt number clashed: draw another.
    raise RuntimeError("could not store a declaration after three attempts")


class NotEditable(Exception):
    """The declaration's state does not allow this change; ``code`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Invalid(Exception):
    def __init__(self, errors: list[Issue]) -> None:
        super().__init__("invalid")
        self.errors = errors


async def lock_record(
    conn: BaseDBAsyncClient, record_id: str, scope_filter: Any
) -> Declaration | None:
    query = Declaration.filter(scope_filter).filter(id=record_id).using_db(conn)
    if conn.capabilities.dialect != "sqlite":  # SQLite has one writer at a time anyway
        query = query.select_for_update()
    return await query.first()


async def _event(
    conn: BaseDBAsyncClient, d: Declaration, user: User, action: str, before: str, ip: str,
    **detail: Any,
) -> None:  # fmt: skip
    await DeclarationEvent.create(
        declaration_id=d.id, at=datetime.now(UTC), user_id=user.id, action=action,
        from_state=before, to_state=d.state, ip=ip, detail=detail, using_db=conn,
    )  # fmt: skip


async def correct(
    record_id: str,
    raw: dict[str, Any],
    *,
    user: User,
    establishment: Establishment,
    settings: Settings,
    scope_filter: Any,
    ip: str = "",
) -> Declaration:
    """A new revision of a declaration not yet confirmed (or returned for correction).

    The checks run as of the original receipt, so a record received yesterday can still
    be corrected today; a resend of the current content changes nothing."""
    async with in_transaction() as conn:
        d = await lock_record(conn, record_id, scope_filter)
        if d is None:
            raise LookupError(record_id)
        if d.stay_status != StayStatus.IN_HOUSE:
            raise NotEditable("not_in_house")
        if d.review_state == ReviewState.CONFIRMED:
            raise NotEditable("already_confirmed")
        item = {**raw, "id": record_id}
        item.setdefault("declared_at", d.declared_at.isoformat())
        digest = content_hash(item)
        if digest == d.content_hash:
            return d
        ctx = context_for(establishment, settings, d.received_at)
        checked = rules.check(item, ctx)
        pending = Pending(0, item, checked, digest)
        if not checked.errors:
            await _database_checks([pending], establishment, exclude=d.id)
        if checked.errors:
            raise Invalid(checked.errors)
        before = d.state
        fresh = _declaration(
            pending, user=user, establishment=establishment, now=d.received_at, seq=0
        )
        for name in _CONTENT_FIELDS:
            setattr(d, name, getattr(fresh, name))
        d.content_hash = digest
        d.warnings = fresh.warnings
        d.flags, d.queue_rank = fresh.flags, fresh.queue_rank
        await screening.flag_watch_hits([d], conn)
        d.revision += 1
        d.version += 1
        if d.review_state == ReviewState.RETURNED:
            d.review_state = ReviewState.NEW  # back into the police queue
        d.change_seq = await take_change_numbers(conn, 1)
        await d.save(using_db=conn)
        await DeclarationRevision.create(
            declaration_id=d.id, number=d.revision, data=rules.content_key(item),
            content_hash=digest, created_at=datetime.now(UTC), user_id=user.id, ip=ip,
            using_db=conn,
        )  # fmt: skip
        await _event(conn, d, user, "corrected", before, ip, revision=d.revision)
        await screening.refresh_minors(establishment.id, [d], conn)
        return d


async def _transition(
    record_id: str,
    *,
    user: User,
    scope_filter: Any,
    ip: str,
    action: str,
    already_done: Callable[[Declaration], bool],
    change: Callable[[Declaration], dict[str, Any]],
) -> Declaration:
    """End a stay (checkout, cancellation): lock, check, change, record, in one transaction.
    A resend of a change already made returns the record as it is."""
    async with in_transaction() as conn:
        d = await lock_record(conn, record_id, scope_filter)
        if d is None:
            raise LookupError(record_id)
        if already_done(d):
            return d
        if d.stay_status != StayStatus.IN_HOUSE:
            raise NotEditable("not_in_house")
        before = d.state
        detail = change(d)
        d.version += 1
        d.change_seq = await take_change_numbers(conn, 1)
        await d.save(using_db=conn)
        await _event(conn, d, user, action, before, ip, **detail)
        return d


async def check_out(
    record_id: str, departed_at: datetime, *, user: User, scope_filter: Any, ip: str = ""
) -> Declaration:
    def change(d: Declaration) -> dict[str, Any]:
        if departed_at < d.arrived_at:
            raise Invalid([Issue("departed_at", "departure_before_arrival")])
        if departed_at > datetime.now(UTC) + timedelta(days=1):
            raise Invalid([Issue("departed_at", "departure_in_future")])
        d.stay_status = StayStatus.CHECKED_OUT
        d.departed_at = departed_at
        return {"departed_at": departed_at.isoformat()}

    return await _transition(
        record_id, user=user, scope_filter=scope_filter, ip=ip, action="checked_out",
        already_done=lambda d: (
            d.stay_status == StayStatus.CHECKED_OUT and d.departed_at == departed_at
        ),
        change=change,
    )  # fmt: skip


async def cancel(
    record_id: str, reason: str, *, user: User, scope_filter: Any, ip: str = ""
) -> Declaration:
    def change(d: Declaration) -> dict[str, Any]:
        d.stay_status = StayStatus.CANCELLED
        d.cancel_reason = reason
        return {"reason": reason}

    return await _transition(
        record_id, user=user, scope_filter=scope_filter, ip=ip, action="cancelled",
        already_done=lambda d: d.stay_status == StayStatus.CANCELLED,
        change=change,
    )  # fmt: skip


# The columns a correction may change (everything the guest's record holds).
_CONTENT_FIELDS = (
    "full_name", "name_search", "sex", "date_of_birth", "nationality", "document_type",
    "document_number", "document_expiry", "entry_kind", "visa_category",
    "entry_document_number", "entry_document_issued_on", "stay_permitted_until",
    "entry_date", "entry_port", "purpose", "arrived_at", "expected_departure", "room",
    "phone", "email", "party_id", "party_leader", "guardian_id", "relationship", "mrz",
)  # fmt: skip
