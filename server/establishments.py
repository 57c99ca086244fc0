"""Creating establishments: the ward decides the police unit, never the caller."""

from __future__ import annotations

from . import scope
from .errors import PermissionDenied
from .i18n import N_
from .jurisdictions import ward_police_unit
from .models import Establishment, EstablishmentKind, EstablishmentStatus, User, Ward


async def declaring_establishment(user: User) -> Establishment:
    """The hotel user's own establishment, which must be active to declare guests, with
    its police unit (whose code the receipts carry)."""
    assert user.establishment_id is not None
    establishment = await scope.establishment(user, user.establishment_id, "police_unit")
    if establishment.status != EstablishmentStatus.ACTIVE:
        raise PermissionDenied(
            N_("This establishment is not active and cannot declare guests."),
            code="establishment_not_active",
        )
    return establishment


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
