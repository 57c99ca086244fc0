"""The scoping function itself, on users of every kind of unit."""

from __future__ import annotations

from starlette.applications import Starlette

from server import scope
from server.models import PoliceUnit, Role, User
from server.security import hash_password


async def _user(username: str) -> User:
    return await User.get(username=username).select_related("police_unit", "establishment")


async def test_ministry_sees_the_nation_and_a_province_only_itself(app: Starlette) -> None:
    ministry = await PoliceUnit.get(code="BCA")
    hcm_pa08 = await PoliceUnit.get(code="P79-PA08")
    for username, unit in (("bca.user", ministry), ("hcm.user", hcm_pa08)):
        await User.create(
            username=username,
            full_name=username,
            role=Role.IMMIGRATION_OFFICER,
            police_unit=unit,
            password_hash=hash_password("x" * 12),
        )
    assert await scope.establishments(await _user("bca.user")).count() == 2
    assert await scope.establishments(await _user("hcm.user")).count() == 0
    assert await scope.police_units(await _user("pa08.hn")).filter(kind="ward").count() == 126


async def test_a_user_without_unit_or_establishment_sees_nothing(app: Starlette) -> None:
    orphan = await User.create(
        username="orphan",
        full_name="orphan",
        role=Role.POLICE_OFFICER,
        password_hash=hash_password("x" * 12),
    )
    await orphan.fetch_related("police_unit")
    assert await scope.establishments(orphan).count() == 0
    assert await scope.users(orphan).count() == 0
    lost = await User.create(
        username="lost", full_name="lost", role=Role.OWNER, password_hash=hash_password("x" * 12)
    )
    assert await scope.establishments(lost).count() == 0


async def test_ward_police_see_their_own_unit_accounts_not_the_neighbours(app: Starlette) -> None:
    visible = {u.username for u in await scope.users(await _user("police.hk"))}
    assert visible == {"police.hk", "lead.hk", "owner.hk", "staff.hk"}
    province = {u.username for u in await scope.users(await _user("pa08.hn"))}
    assert {"police.hk", "police.cn", "owner.hk", "owner.cn", "pa08.hn"} <= province
    assert "admin" not in province
