"""The police tree built from the 34 provinces and 3,321 communes/wards."""

from __future__ import annotations

from starlette.applications import Starlette

from server import jurisdictions
from server.models import PoliceUnit, Province, UnitKind, Ward


async def test_all_provinces_and_wards_are_loaded_with_official_codes(app: Starlette) -> None:
    assert await Province.all().count() == 34
    assert await Ward.all().count() == 3321
    hanoi = await Province.get(code=1)
    assert hanoi.name == "Thành phố Hà Nội"
    hoan_kiem = await Ward.get(code=70)
    assert (hoan_kiem.name, hoan_kiem.province_id) == ("Phường Hoàn Kiếm", 1)


async def test_police_tree_has_no_district_level(app: Starlette) -> None:
    counts = {kind: await PoliceUnit.filter(kind=kind).count() for kind in UnitKind}
    assert counts == {
        UnitKind.MINISTRY: 1,
        UnitKind.PROVINCE: 34,
        UnitKind.IMMIGRATION: 34,
        UnitKind.WARD: 3321,
    }
    ward_unit = await PoliceUnit.get(code="W00070").select_related("parent", "parent__parent")
    assert ward_unit.name_vi == "Công an phường Hoàn Kiếm"
    assert ward_unit.name_en == "Hoàn Kiếm Ward Police"
    assert ward_unit.parent is not None and ward_unit.parent.code == "P01"
    assert ward_unit.parent.parent is not None
    assert ward_unit.parent.parent.kind == UnitKind.MINISTRY
    pa08 = await PoliceUnit.get(code="P01-PA08").select_related("parent")
    assert pa08.parent is not None and pa08.parent.code == "P01"
    assert "PA08" in pa08.name_en and "Hà Nội" in pa08.name_vi


async def test_loading_again_adds_nothing(app: Starlette) -> None:
    assert await jurisdictions.load() == {"provinces": 0, "wards": 0, "police_units": 0}
    assert await PoliceUnit.all().count() == 1 + 34 + 34 + 3321


async def test_an_establishment_belongs_to_its_ward_police(app: Starlette) -> None:
    from server.establishments import create_establishment
    from server.models import EstablishmentKind

    est = await create_establishment(
        name="Homestay Test",
        kind=EstablishmentKind.HOMESTAY,
        licence_number="123",
        ward_code=73,
        street="1 Test",
        phone="0900000000",
    )
    unit = await PoliceUnit.get(id=est.police_unit_id)
    assert unit.code == "W00073"
    assert est.province_id == 1
    assert est.status.value == "pending"
