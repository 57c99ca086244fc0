"""What the police keep besides declarations: the watch list and the access log."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from .accounts import User
from .geo import PoliceUnit


class WatchEntry(Model):
    """A person the police want to be told about when they check in.

    Matched in the owning unit's jurisdiction by document number, or by name with date
    of birth. Entries are never deleted, only ended (``removed_at``), so a past match can
    still be explained."""

    id = fields.IntField(primary_key=True)
    police_unit: fields.ForeignKeyRelation[PoliceUnit] = fields.ForeignKeyField(
        "models.PoliceUnit", related_name="watch_entries", on_delete=fields.RESTRICT
    )
    document_number = fields.CharField(max_length=20, null=True, db_index=True)
    nationality = fields.CharField(max_length=3, null=True)
    full_name = fields.CharField(max_length=100, default="")
    name_search = fields.CharField(max_length=100, null=True, db_index=True)
    date_of_birth = fields.CharField(max_length=10, null=True)
    reason = fields.CharField(max_length=500)
    created_at = fields.DatetimeField(auto_now_add=True)
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="watch_entries", null=True, on_delete=fields.SET_NULL
    )
    removed_at = fields.DatetimeField(null=True)
    removed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="watch_removals", null=True, on_delete=fields.SET_NULL
    )

    police_unit_id: int
    created_by_id: int | None
    removed_by_id: int | None

    class Meta:
        table = "watch_entry"
        ordering = ["-id"]


class AccessLog(Model):
    """Every view of a guest's personal data, search and export by a police user.
    Append-only: the application has no route that changes or deletes a row."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="accesses", null=True, on_delete=fields.SET_NULL
    )
    # The user's unit at the time, so supervisors read their unit's log without a join.
    police_unit_id = fields.IntField(null=True)
    province_id = fields.IntField(null=True)
    action = fields.CharField(max_length=16)  # view, list, search, export
    target = fields.CharField(max_length=200, default="")
    detail: dict[str, Any] = fields.JSONField(default=dict)
    ip = fields.CharField(max_length=64, default="")

    user_id: int | None

    class Meta:
        table = "access_log"
        ordering = ["-id"]
        indexes = (("police_unit_id", "id"), ("province_id", "id"))


class Feedback(Model):
    """An establishment's rating of the police service after a decision (1–5, a comment)."""

    id = fields.IntField(primary_key=True)
    declaration_id = fields.UUIDField()
    decision_event_id = fields.BigIntField(unique=True)  # one rating per decision
    establishment_id = fields.IntField()
    police_unit_id = fields.IntField()
    province_id = fields.IntField()
    decision = fields.CharField(max_length=16)  # the review state the decision set
    rating = fields.SmallIntField()
    comment = fields.CharField(max_length=1000, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="feedback", null=True, on_delete=fields.SET_NULL
    )

    user_id: int | None

    class Meta:
        table = "feedback"
        ordering = ["-id"]
        indexes = (("police_unit_id", "created_at"), ("establishment_id", "created_at"))
