"""Demo data: Hanoi, two wards of the Old Quarter, one establishment in each, one account
per role. Loaded only into an empty database and only when ``DEMO`` is on."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from . import security
from .establishments import create_establishment
from .jurisdictions import MINISTRY_CODE, immigration_unit_code, ward_unit_code
from .models import Establishment, EstablishmentKind, EstablishmentStatus, PoliceUnit, Role, User

HANOI = 1
HOAN_KIEM = 70  # Phường Hoàn Kiếm
CUA_NAM = 73  # Phường Cửa Nam


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: Role
    home: str  # "hk" / "cn" establishment, or a police unit code


ACCOUNTS = (
    DemoAccount("owner.hk", "Nguyễn Văn An", Role.OWNER, "hk"),
    DemoAccount("staff.hk", "Trần Thị Bình", Role.STAFF, "hk"),
    DemoAccount("owner.cn", "Lê Minh Châu", Role.OWNER, "cn"),
    DemoAccount("police.hk", "Phạm Quốc Dũng", Role.POLICE_OFFICER, ward_unit_code(HOAN_KIEM)),
    DemoAccount("lead.hk", "Đỗ Thị Lan", Role.POLICE_SUPERVISOR, ward_unit_code(HOAN_KIEM)),
    DemoAccount("police.cn", "Hoàng Thu Hà", Role.POLICE_OFFICER, ward_unit_code(CUA_NAM)),
    DemoAccount("pa08.hn", "Vũ Đức Khánh", Role.IMMIGRATION_OFFICER, immigration_unit_code(HANOI)),
    DemoAccount("admin", "Quản trị hệ thống", Role.ADMIN, MINISTRY_CODE),
)


async def is_empty() -> bool:
    return not await User.exists() and not await Establishment.exists()


async def load(password: str) -> bool:
    """Load the demo data if the database holds no accounts or establishments yet."""
    if not await is_empty():
        return False
    async with in_transaction("default"):
        hk = await create_establishment(
            name="Khách sạn Hồ Gươm (demo)",
            kind=EstablishmentKind.HOTEL,
            licence_number="0101234567",
            ward_code=HOAN_KIEM,
            street="12 Hàng Trống",
            phone="024 3825 0001",
            email="lettan@hoguom.example",
            status=EstablishmentStatus.ACTIVE,
        )
        cn = await create_establishment(
            name="Nhà nghỉ Cửa Nam (demo)",
            kind=EstablishmentKind.GUESTHOUSE,
            licence_number="0107654321",
            ward_code=CUA_NAM,
            street="45 Phố Cửa Nam",
            phone="024 3942 0002",
            email="contact@cuanam.example",
            status=EstablishmentStatus.ACTIVE,
        )
        establishments = {"hk": hk, "cn": cn}
        password_hash = security.hash_password(password)
        for account in ACCOUNTS:
            est = establishments.get(account.home)
            unit = None if est else await PoliceUnit.get(code=account.home)
            await User.create(
                username=account.username,
                full_name=account.full_name,
                role=account.role,
                establishment_id=est.id if est else None,
                police_unit_id=unit.id if unit else None,
                password_hash=password_hash,
            )
    return True
