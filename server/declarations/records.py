"""What storing, correcting and deciding on declarations share: the stored columns of a
checked item, the checks that need the database, locking a record in the caller's scope,
and the history entry of each step."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from .. import db, scope
from ..errors import Conflict, NotFound
from ..i18n import gettext
from ..models import Declaration, DeclarationEvent, Establishment, EstablishmentKind, User
from ..settings import Settings
from . import fields, flags, lifecycle, rules
from .context import VIETNAM, RuleContext
from .issues import Checked, Issue
from .lifecycle import StayStatus
from .names import ascii_name

# Crockford's base32 without I, L, O, U: easy to read aloud and to type from paper.
_RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


# Random bytes drawn from the OS a few thousand at a time: one system call a receipt
# number was 2.6 % of the event loop's thread in a profile of ingest (50 a batch).
_RANDOM_DRAW = 7 * 512
_random = bytearray()
os.register_at_fork(after_in_child=_random.clear)  # a child draws its own


def new_receipt_number() -> str:
    """``XXXX-XXXX-XX``: 50 random bits, unique by constraint (a clash is retried). The
    bits come from ``secrets`` (the OS), drawn ahead (``_RANDOM_DRAW``); a receipt
    number is not a secret, it is printed on the receipt."""
    if len(_random) < 7:
        _random.extend(secrets.token_bytes(_RANDOM_DRAW))
    bits = int.from_bytes(_random[-7:]) >> 6
    del _random[-7:]
    chars = "".join(_RECEIPT_ALPHABET[(bits >> shift) & 31] for shift in range(0, 50, 5))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def content_hash(item: dict[str, Any]) -> str:
    canonical = json.dumps(
        rules.content_key(item), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def context_for(establishment: Establishment, settings: Settings, now: datetime) -> RuleContext:
    """The checks' context for one establishment at one moment."""
    return RuleContext(
        now=now,
        arrival_window_days=settings.arrival_window_days,
        document_number_max=settings.document_number_max,
        grace_hours=settings.grace_hours,
        remote_grace_hours=settings.remote_grace_hours,
        remote_area=establishment.remote_area,
        room_required=establishment.kind == EstablishmentKind.HOTEL,
    )


@dataclass
class Pending:
    """One checked item on its way to the database."""

    index: int
    raw: dict[str, Any]
    checked: Checked
    digest: str

    @property
    def id(self) -> str:
        return str(self.checked.values["id"])

    def columns(self) -> dict[str, Any]:
        """The stored columns of the guest's fields, with the warnings and the flags they
        raise: computed once, for an insert and for a correction alike."""
        v = self.checked.values
        warnings = [w.as_stored() for w in self.checked.warnings]
        values = {f.name: v[f.name] for f in fields.CORRECTABLE}
        if values["guardian_id"]:
            values["guardian_id"] = uuid.UUID(values["guardian_id"])
        return {
            **values,
            "name_search": ascii_name(v["full_name"]).lower(),
            "content_hash": self.digest,
            "warnings": warnings,
            **flags.columns(warnings),
        }


def _nights(arrived: datetime, departure: date) -> tuple[date, date]:
    start = arrived.astimezone(VIETNAM).date()
    return start, max(departure, start + timedelta(days=1))


async def screen_stays(
    items: list[Pending], establishment: Establishment, exclude: Any = None
) -> None:
    """Still checked in here → refused; checked in elsewhere on overlapping nights → flagged."""
    if not items:
        return
    numbers = list({item.checked.values["document_number"] for item in items})
    conn = connections.get("default")
    # By number only (its index), usually none; the few stays found are then filtered.
    where = f"document_number IN ({db.marks(conn, len(numbers))})"
    found = await db.ids_where(conn, "declaration", [where], numbers)
    in_house = [] if not found else await Declaration.filter(
        id__in=found, stay_status=StayStatus.IN_HOUSE
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
                # insert will collide and resolve to duplicate or conflict.
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


class Refused(Conflict):
    """The declaration's state does not allow this step (``lifecycle.ACTIONS``)."""

    def translated(self) -> str:
        return gettext(self.message, state=gettext(self.variables["state"]))


async def lock(conn: BaseDBAsyncClient, user: User, record_id: str) -> Declaration:
    """The record in ``user``'s scope, locked for the transaction (else NotFound)."""
    query = Declaration.filter(scope.declaration_filter(user)).filter(id=record_id).using_db(conn)
    if conn.capabilities.dialect != "sqlite":  # SQLite has one writer at a time anyway
        query = query.select_for_update()
    d = await query.first()
    if d is None:
        raise NotFound()
    return d


def refuse_unless_allowed(d: Declaration, action: str) -> None:
    """Refused (409, naming the state) unless ``action`` may start from ``d``'s states."""
    refused = lifecycle.refusal(action, d.review_state, d.stay_status)
    if refused is not None:
        raise Refused(refused.message, code=refused.code, state=refused.state)


async def lock_for(conn: BaseDBAsyncClient, user: User, record_id: str, action: str) -> Declaration:
    """``lock``, then ``refuse_unless_allowed``."""
    d = await lock(conn, user, record_id)
    refuse_unless_allowed(d, action)
    return d


async def record_event(
    conn: BaseDBAsyncClient, d: Declaration, user: User, action: str, before: str, ip: str,
    **detail: Any,
) -> None:  # fmt: skip
    """The history entry of one step (``action`` is a key of ``lifecycle.ACTIONS``)."""
    await DeclarationEvent.create(
        declaration_id=d.id, at=datetime.now(UTC), user_id=user.id,
        action=lifecycle.ACTIONS[action].event, from_state=before, to_state=d.state, ip=ip,
        detail=detail, using_db=conn,
    )  # fmt: skip
