"""Declarations of foreign guests, every revision of each, and every state change."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from .accounts import User
from .establishments import Establishment


class StayStatus(StrEnum):
    IN_HOUSE = "in_house"
    CHECKED_OUT = "checked_out"
    CANCELLED = "cancelled"


class ReviewState(StrEnum):
    NEW = "new"
    CONFIRMED = "confirmed"
    RETURNED = "returned"  # returned to the establishment for correction
    ESCALATED = "escalated"  # sent up to the province immigration division


class Declaration(Model):
    """One guest's stay at one establishment. The primary key is the client's UUID, which
    makes a resent record harmless (same id and content: a duplicate, not a new row)."""

    id = fields.UUIDField(primary_key=True)
    establishment: fields.ForeignKeyRelation[Establishment] = fields.ForeignKeyField(
        "models.Establishment", related_name="declarations", on_delete=fields.RESTRICT
    )
    # Copied from the establishment so that jurisdiction queries need no join.
    police_unit_id = fields.IntField()
    province_id = fields.IntField()
    receipt_number = fields.CharField(max_length=16, unique=True)
    content_hash = fields.CharField(max_length=64)

    full_name = fields.CharField(max_length=100)
    name_search = fields.CharField(max_length=100)  # A–Z lower case, for prefix search
    sex = fields.CharField(max_length=1)
    date_of_birth = fields.CharField(max_length=10)  # YYYY, YYYY-MM or YYYY-MM-DD
    nationality = fields.CharField(max_length=3)
    document_type = fields.CharField(max_length=24)
    document_number = fields.CharField(max_length=20)
    document_expiry = fields.DateField()
    entry_kind = fields.CharField(max_length=32)
    visa_category = fields.CharField(max_length=4, null=True)
    entry_document_number = fields.CharField(max_length=20, null=True)
    entry_document_issued_on = fields.DateField(null=True)
    stay_permitted_until = fields.DateField(null=True)
    entry_date = fields.DateField()
    entry_port = fields.CharField(max_length=20)
    purpose = fields.CharField(max_length=24)
    arrived_at = fields.DatetimeField()
    expected_departure = fields.DateField()
    room = fields.CharField(max_length=20, null=True)
    phone = fields.CharField(max_length=20, null=True)
    email = fields.CharField(max_length=254, null=True)
    party_id = fields.CharField(max_length=64, null=True)
    party_leader = fields.BooleanField(default=False)
    guardian_id = fields.UUIDField(null=True)
    relationship = fields.CharField(max_length=16, null=True)
    mrz = fields.CharField(max_length=200, null=True)

    declared_at = fields.DatetimeField()  # the device's clock
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

    class Meta:
        table = "declaration"
        indexes = (
            ("establishment_id", "change_seq"),
            ("establishment_id", "received_at"),
            ("establishment_id", "party_id"),
            ("guardian_id",),
            ("document_number", "stay_status"),
            ("police_unit_id", "review_state", "queue_rank", "arrived_at", "id"),
            ("province_id", "review_state", "queue_rank", "arrived_at", "id"),
            # Overdue work: waiting states received before the unit's cutoff.
            ("police_unit_id", "review_state", "received_at"),
            ("province_id", "review_state", "received_at"),
            # The "all states" view of the queue, in the same order.
            ("police_unit_id", "queue_rank", "arrived_at", "id"),
            ("province_id", "queue_rank", "arrived_at", "id"),
            ("name_search",),
            # Name search within a jurisdiction: the prefix range, then the few matches.
            ("police_unit_id", "name_search", "review_state"),
            ("province_id", "name_search", "review_state"),
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
