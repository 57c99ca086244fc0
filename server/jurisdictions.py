"""Load the administrative divisions and build the police tree from them.

The tree is Ministry of Public Security → one police per province (with its Immigration
Management Division, PA08) → one police unit per commune, ward or special zone. Loading is
idempotent: run after every migration, it adds what a newer ``vietnam-provinces`` brings and
renames what changed, and never deletes (establishments point at these rows).
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction
from vietnam_provinces import Province as VnProvince
from vietnam_provinces import Ward as VnWard

from .models import PoliceUnit, Province, UnitKind, Ward

MINISTRY_CODE = "BCA"

_WARD_TYPE_EN = {"phường": "Ward", "xã": "Commune", "đặc khu": "Special Zone"}
_PREFIXES = ("Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Đặc khu ")


def _bare(name: str) -> str:
    """'Phường Hoàn Kiếm' → 'Hoàn Kiếm'; 'Thành phố Hà Nội' → 'Hà Nội'."""
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def province_unit_code(province_code: int) -> str:
    return f"P{province_code:02d}"


def immigration_unit_code(province_code: int) -> str:
    return f"P{province_code:02d}-PA08"


def ward_unit_code(ward_code: int) -> str:
    return f"W{ward_code:05d}"


@dataclass(frozen=True)
class UnitSpec:
    code: str
    kind: UnitKind
    name_vi: str
    name_en: str
    parent_code: str | None
    province_id: int | None
    ward_id: int | None


def _province_en(p: VnProvince) -> str:
    kind = "City" if p.name.startswith("Thành phố") else "Province"
    return f"{_bare(p.name)} {kind}"


def unit_specs() -> list[UnitSpec]:
    """Every police unit the divisions imply, parents before children."""
    specs = [
        UnitSpec(
            MINISTRY_CODE,
            UnitKind.MINISTRY,
            "Bộ Công an",
            "Ministry of Public Security",
            None,
            None,
            None,
        )
    ]
    for p in sorted(VnProvince.iter_all(), key=lambda p: int(p.code)):
        code = int(p.code)
        specs.append(
            UnitSpec(
                province_unit_code(code),
                UnitKind.PROVINCE,
                f"Công an {_lower_first(p.name)}",
                f"{_province_en(p)} Police",
                MINISTRY_CODE,
                code,
                None,
            )
        )
        specs.append(
            UnitSpec(
                immigration_unit_code(code),
                UnitKind.IMMIGRATION,
                f"Phòng Quản lý xuất nhập cảnh (PA08) – Công an {_lower_first(p.name)}",
                f"Immigration Management Division (PA08), {_province_en(p)} Police",
                province_unit_code(code),
                code,
                None,
            )
        )
    for w in sorted(VnWard.iter_all(), key=lambda w: int(w.code)):
        code, province = int(w.code), int(w.province_code)
        kind_en = _WARD_TYPE_EN.get(str(w.division_type.value), "Commune")
        specs.append(
            UnitSpec(
                ward_unit_code(code),
                UnitKind.WARD,
                f"Công an {_lower_first(w.name)}",
                f"{_bare(w.name)} {kind_en} Police",
                province_unit_code(province),
                province,
                code,
            )
        )
    return specs


async def load() -> dict[str, int]:
    """Insert or update provinces, wards and police units; returns how many were added."""
    added = {"provinces": 0, "wards": 0, "police_units": 0}
    async with in_transaction("default"):
        have_p = {p.code: p for p in await Province.all()}
        new_p = []
        for vp in VnProvince.iter_all():
            code = int(vp.code)
            row = have_p.get(code)
            if row is None:
                new_p.append(
                    Province(
                        code=code,
                        name=vp.name,
                        codename=vp.codename,
                        division_type=str(vp.division_type.value),
                    )
                )
            elif row.name != vp.name:
                row.name = vp.name
                await row.save(update_fields=["name"])
        await Province.bulk_create(new_p, batch_size=500)
        added["provinces"] = len(new_p)

        have_w = {w.code: w for w in await Ward.all()}
        new_w = []
        for vw in VnWard.iter_all():
            code = int(vw.code)
            row_w = have_w.get(code)
            if row_w is None:
                new_w.append(
                    Ward(
                        code=code,
                        name=vw.name,
                        codename=vw.codename,
                        division_type=str(vw.division_type.value),
                        province_id=int(vw.province_code),
                    )
                )
            elif row_w.name != vw.name:
                row_w.name = vw.name
                await row_w.save(update_fields=["name"])
        await Ward.bulk_create(new_w, batch_size=500)
        added["wards"] = len(new_w)

        units = {u.code: u for u in await PoliceUnit.all()}
        for level in (UnitKind.MINISTRY, UnitKind.PROVINCE, UnitKind.IMMIGRATION, UnitKind.WARD):
            batch = []
            for spec in unit_specs():
                if spec.kind != level:
                    continue
                parent_id = units[spec.parent_code].id if spec.parent_code else None
                row_u = units.get(spec.code)
                if row_u is None:
                    batch.append(
                        PoliceUnit(
                            code=spec.code,
                            kind=spec.kind,
                            name_vi=spec.name_vi,
                            name_en=spec.name_en,
                            parent_id=parent_id,
                            province_id=spec.province_id,
                            ward_id=spec.ward_id,
                        )
                    )
                elif (row_u.name_vi, row_u.name_en) != (spec.name_vi, spec.name_en):
                    row_u.name_vi, row_u.name_en = spec.name_vi, spec.name_en
                    await row_u.save(update_fields=["name_vi", "name_en"])
            if batch:
                await PoliceUnit.bulk_create(batch, batch_size=500)
                added["police_units"] += len(batch)
                units = {u.code: u for u in await PoliceUnit.all()}
    return added


async def ward_police_unit(ward_code: int) -> PoliceUnit:
    """The commune/ward police unit an address in ``ward_code`` belongs to."""
    return await PoliceUnit.get(code=ward_unit_code(ward_code))
