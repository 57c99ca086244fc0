"""Declarations of foreign guests, every revision of each, and every state change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from ..declarations.fields import FIELDS, Field
from ..declarations.lifecycle import ReviewState, StayStatus
from .accounts import User
from .establishments import Establishment

# What the queue's filters and its overdue tab test, held in its indexes (police/queue.py);
# the name for a common name prefix, tested on each row walked in the queue's order.
FILTERED = ("flags", "nationality", "establishment_id", "received_at", "name_search")


def _column(f: Field) -> fields.Field[Any]:
    """The column that stores one field of the table (declarations/fields.py)."""
    # A dict, because the column types' overloads want a literal null=True or False.
    null: dict[str, Any] = {"null": f.nullable}
    if f.name == "id":
        return fields.UUIDField(primary_key=True)
    if f.kind == "uuid":
        return fields.UUIDField(**null)
    if f.kind == "moment":
        return fields.DatetimeField(**null)
    if f.kind == "day":
        return fields.DateField(**null)
    if f.kind == "bool":
        return fields.BooleanField(default=False)
    return fields.CharField(max_length=f.width, **null)


class Declaration(Model):
    """One guest's stay at one establishment. The primary key is the client's UUID, which
    makes a resent record harmless (same id and content: a duplicate, not a new row)."""

    establishment: fields.ForeignKeyRelation[Establishment] = fields.ForeignKeyField(
        "models.Establishment", related_name="declarations", on_delete=fields.RESTRICT
    )
    # Copied from the establishment so that jurisdiction queries need no join.
    police_unit_id = fields.IntField()
    province_id = fields.IntField()
    receipt_number = fields.CharField(max_length=16, unique=True)
    content_hash = fields.CharField(max_length=64)
    # The guest's fields, one column each, as the field table says (the id is the key).
    locals().update({f.name: _column(f) for f in FIELDS})
    name_search = fields.CharField(max_length=100)  # A–Z lower case, for prefix search

    received_at = fields.DatetimeField()  # the server's clock
    clock_skew_seconds = fields.IntField()  # server time minus device time, at sending
    warnings: list[dict[str, Any]] = fields.JSONField(default=list)
    stay_status = fields.CharEnumField(StayStatus, max_length=16, default=StayStatus.IN_HOUSE)
    review_state = fields.CharEnumField(ReviewState, max_length=16, default=ReviewState.NEW)
    review_reason = fields.CharField(max_length=500, null=True)
    # The automatic flags' codes, space-separated with a space at each end (" late "),
    # and the queue's first sort key: 0 when flagged (shown first), 1 when clean.
    flags = fields.CharField(max_length=300, default=" ")
    queue_rank = fields.SmallIntField(default=1)
    reviewed_at = fields.DatetimeField(null=True)
    reviewed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="reviews", null=True, on_delete=fields.SET_NULL
    )
    departed_at = fields.DatetimeField(null=True)
    # When the personal fields were removed after the retention period (see purge.py):
    # the row keeps only what the reports count.
    purged_at = fields.DatetimeField(null=True)
    cancel_reason = fields.CharField(max_length=500, null=True)
    revision = fields.IntField(default=1)
    version = fields.IntField(default=1)  # optimistic concurrency for decisions
    change_seq = fields.BigIntField(db_index=True)  # position in the change feed
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="declarations", null=True, on_delete=fields.SET_NULL
    )
    updated_at = fields.DatetimeField(auto_now=True)

    establishment_id: int
    created_by_id: int | None
    reviewed_by_id: int | None

    if TYPE_CHECKING:  # the field table's columns, made in the class body above

        def __getattr__(self, name: str) -> Any: ...

    class Meta:
        table = "declaration"
        indexes = (
            ("establishment_id", "change_seq"),
            ("establishment_id", "received_at"),
            ("establishment_id", "party_id"),
            ("guardian_id",),
            ("document_number", "stay_status"),
            # A queue tab in its order. The filters' columns come last: a tab's count under
            # a flag, nationality or establishment filter, overdue or not, is answered by
            # the index alone, and a page walks the index testing them, reading no row.
            ("police_unit_id", "review_state", "queue_rank", "arrived_at", "id", *FILTERED),
            ("province_id", "review_state", "queue_rank", "arrived_at", "id", *FILTERED),
            # Overdue work: waiting states received before the unit's cutoff.
            ("police_unit_id", "review_state", "received_at"),
            ("province_id", "review_state", "received_at"),
            # The "all states" view of the queue, in the same order.
            ("police_unit_id", "queue_rank", "arrived_at", "id", *FILTERED),
            ("province_id", "queue_rank", "arrived_at", "id", *FILTERED),
            ("name_search",),
            # Name and nationality searches within a jurisdiction: each tab's range,
            # counted (overdue or not, and a name's under a flag filter) from the index
            # alone, and read from it where the matches are few (police/queue.py).
            ("police_unit_id", "review_state", "name_search", "received_at", "queue_rank", "flags"),
            ("province_id", "review_state", "name_search", "received_at", "queue_rank", "flags"),
            ("police_unit_id", "review_state", "nationality", "received_at"),
            ("province_id", "review_state", "nationality", "received_at"),
            # Reports: a jurisdiction's declarations received in a date range.
            ("police_unit_id", "received_at"),
            ("province_id", "received_at"),
            # The purge: stays that ended before the retention cutoff.
            ("stay_status", "departed_at"),
            ("stay_status", "updated_at"),
        )

    @property
    def state(self) -> str:
        """What the establishment sees: received, confirmed, returned, checked_out,
        cancelled."""
        if self.stay_status == StayStatus.CANCELLED:
            return "cancelled"
        if self.stay_status == StayStatus.CHECKED_OUT:
            return "checked_out"
        if self.review_state == ReviewState.CONFIRMED:
            return "confirmed"
        if self.review_state == ReviewState.RETURNED:
            return "returned"
        return "received"


class DeclarationRevision(Model):
    """The content of a declaration as sent, one row per version (first one included)."""

    id = fields.BigIntField(primary_key=True)
    declaration: fields.ForeignKeyRelation[Declaration] = fields.ForeignKeyField(
        "models.Declaration", related_name="revisions", on_delete=fields.CASCADE
    )
    number = fields.IntField()
    data: dict[str, Any] = fields.JSONField()
    content_hash = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="revisions", null=True, on_delete=fields.SET_NULL
    )
    ip = fields.CharField(max_length=64, default="")

    declaration_id: Any

    class Meta:
        table = "declaration_revision"
        unique_together = (("declaration_id", "number"),)


class DeclarationEvent(Model):
    """Who did what to a declaration, when, and from where. Append-only."""

    id = fields.BigIntField(primary_key=True)
    declaration: fields.ForeignKeyRelation[Declaration] = fields.ForeignKeyField(
        "models.Declaration", related_name="events", on_delete=fields.CASCADE
    )
    at = fields.DatetimeField()
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="declaration_events", null=True, on_delete=fields.SET_NULL
    )
    action = fields.CharField(max_length=24)
    from_state = fields.CharField(max_length=16, default="")
    to_state = fields.CharField(max_length=16, default="")
    ip = fields.CharField(max_length=64, default="")
    detail: dict[str, Any] = fields.JSONField(default=dict)

    declaration_id: Any
    user_id: int | None

    class Meta:
        table = "declaration_event"
        ordering = ["id"]


class ChangeCounter(Model):
    """One row: the last position handed out in the change feed. Taking numbers with
    ``UPDATE … RETURNING`` locks the row until commit, so positions become visible in
    order and a reader's cursor never skips a change that commits late."""

    id = fields.IntField(primary_key=True, generated=False)
    value = fields.BigIntField(default=0)

    class Meta:
        table = "change_counter"
