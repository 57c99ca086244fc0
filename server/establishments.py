"""Creating establishments: the ward decides the police unit, never the caller."""

from __future__ import annotations

from .jurisdictions import ward_police_unit
from .models import Establishment, EstablishmentKind, EstablishmentStatus, Ward


async def create_establishment(
    *,
    name: str,
    kind: EstablishmentKind,
    licence_number: str,
    ward_code: int,
    street: str,
    phone: str,
    email: str = "",
    remote_area: bool | None = None,
    status: EstablishmentStatus = EstablishmentStatus.PENDING,
) -> Establishment:
    ward = await Ward.get(code=ward_code)
    unit = await ward_police_unit(ward_code)
    return await Establishment.create(
        name=name,
        kind=kind,
        licence_number=licence_number,
        province_id=ward.province_id,
        ward_id=ward.code,
        street=street,
        phone=phone,
        email=email,
        police_unit_id=unit.id,
        remote_area=ward.remote_area if remote_area is None else remote_area,
        status=status,
    )
