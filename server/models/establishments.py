"""Lodging establishments: the businesses that declare their foreign guests."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from .geo import PoliceUnit, Province, Ward


class EstablishmentKind(StrEnum):
    HOTEL = "hotel"
    GUESTHOUSE = "guesthouse"
    HOMESTAY = "homestay"
    APARTMENT = "apartment"
    RENTED_HOUSE = "rented_house"
    OTHER = "other"


class EstablishmentStatus(StrEnum):
    PENDING = "pending"  # signed up, waiting for the ward police
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REJECTED = "rejected"  # the ward police refused the registration (with a reason)


class Establishment(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    kind = fields.CharEnumField(EstablishmentKind, max_length=16)
    licence_number = fields.CharField(max_length=50)
    province: fields.ForeignKeyRelation[Province] = fields.ForeignKeyField(
        "models.Province", related_name="establishments", on_delete=fields.RESTRICT
    )
    ward: fields.ForeignKeyRelation[Ward] = fields.ForeignKeyField(
        "models.Ward", related_name="establishments", on_delete=fields.RESTRICT
    )
    street = fields.CharField(max_length=300)
    phone = fields.CharField(max_length=30)
    email = fields.CharField(max_length=254, default="")
    # Derived from the ward when the establishment is saved (see establishments.py).
    police_unit: fields.ForeignKeyRelation[PoliceUnit] = fields.ForeignKeyField(
        "models.PoliceUnit", related_name="establishments", on_delete=fields.RESTRICT
    )
    remote_area = fields.BooleanField(default=False)
    status = fields.CharEnumField(
        EstablishmentStatus, max_length=16, default=EstablishmentStatus.PENDING
    )
    # The legal representative, as given at sign-up.
    representative_name = fields.CharField(max_length=200, default="")
    representative_birth_date = fields.DateField(null=True)
    representative_phone = fields.CharField(max_length=30, default="")
    representative_document = fields.CharField(max_length=30, default="")
    privacy_accepted_at = fields.DatetimeField(null=True)
    # The police decision on the registration (approve / reject) or the last status change.
    decided_at = fields.DatetimeField(null=True)
    decided_by_id = fields.IntField(null=True)
    status_reason = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    province_id: int
    ward_id: int
    police_unit_id: int

    class Meta:
        table = "establishment"
        ordering = ["id"]
        indexes = (("police_unit_id", "status"), ("province_id", "status"))
