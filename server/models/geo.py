"""Administrative divisions and police units.

Provinces and wards carry the official codes of the 2025 reorganisation (34 provinces,
3,321 communes/wards/special zones), loaded from the ``vietnam-provinces`` package.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Province(Model):
    code = fields.IntField(primary_key=True, generated=False)
    name = fields.CharField(max_length=100)
    codename = fields.CharField(max_length=100)
    division_type = fields.CharField(max_length=40)

    class Meta:
        table = "province"
        ordering = ["code"]


class Ward(Model):
    code = fields.IntField(primary_key=True, generated=False)
    name = fields.CharField(max_length=100)
    codename = fields.CharField(max_length=100)
    division_type = fields.CharField(max_length=40)
    province: fields.ForeignKeyRelation[Province] = fields.ForeignKeyField(
        "models.Province", related_name="wards", on_delete=fields.RESTRICT
    )
    # Islands, highlands and border communes: the paper deadline is 24 h instead of 12 h.
    remote_area = fields.BooleanField(default=False)

    province_id: int

    class Meta:
        table = "ward"
        ordering = ["code"]


class UnitKind(StrEnum):
    MINISTRY = "ministry"
    PROVINCE = "province"
    IMMIGRATION = "immigration"  # the province police's Immigration Management Division (PA08)
    WARD = "ward"


class PoliceUnit(Model):
    """A node of the police tree: Ministry → province police (+ PA08) → commune/ward police.

    There is no district level: it was abolished on 1 March 2025.
    """

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    kind = fields.CharEnumField(UnitKind, max_length=16)
    name_vi = fields.CharField(max_length=200)
    name_en = fields.CharField(max_length=200)
    parent: fields.ForeignKeyNullableRelation[PoliceUnit] = fields.ForeignKeyField(
        "models.PoliceUnit", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    province: fields.ForeignKeyNullableRelation[Province] = fields.ForeignKeyField(
        "models.Province", related_name="police_units", null=True, on_delete=fields.RESTRICT
    )
    ward: fields.ForeignKeyNullableRelation[Ward] = fields.ForeignKeyField(
        "models.Ward", related_name="police_units", null=True, on_delete=fields.RESTRICT
    )
    is_active = fields.BooleanField(default=True)
    # How long a declaration may wait for this unit's decision before it is overdue.
    review_target_hours = fields.IntField(default=24)

    parent_id: int | None
    province_id: int | None
    ward_id: int | None

    class Meta:
        table = "police_unit"
        ordering = ["code"]
        indexes = (("kind", "province_id"),)

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_vi
