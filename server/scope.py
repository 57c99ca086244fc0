"""What a user may see: the one place that scopes every query.

A hotel account sees its own establishment. A commune/ward police account sees the
establishments whose ward police unit is its own; a province police or immigration
division (PA08) account sees its whole province; the Ministry sees the nation.
Establishments, their accounts, and (later) declarations, reports and exports are all
filtered here, never in a handler.
"""

from __future__ import annotations

import uuid

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from .errors import NotFound
from .models import (
    Declaration,
    DeclarationEvent,
    Establishment,
    Feedback,
    PoliceUnit,
    Role,
    UnitKind,
    User,
)


def _q(field: str, value: object) -> Q:
    return Q(**{field: value})  # type: ignore[arg-type]  # Q's stubs take no kwargs dict


# Matches nothing: the safe answer for a user whose scope cannot be worked out.
_NOTHING = Q(id__isnull=True)  # primary keys are never null


def establishment_filter(user: User, via: str = "") -> Q:
    """A filter on establishments (or, with ``via="establishment__"``, on rows that
    belong to one) that keeps only what ``user`` may see."""
    if user.role.is_hotel:
        if user.establishment_id is None:
            return _NOTHING
        return _q(f"{via}id", user.establishment_id)
    return _jurisdiction(user, province=f"{via}province_id", unit=f"{via}police_unit_id")


def _jurisdiction(user: User, *, province: str, unit: str) -> Q:
    """The police side of every filter: nation, province or ward, by the user's unit.
    ``province`` and ``unit`` name the columns that hold a row's province and ward unit."""
    if user.role == Role.ADMIN:
        return Q()
    own: PoliceUnit | None = user.police_unit
    if own is None or not user.role.is_police:
        return _NOTHING
    if own.kind == UnitKind.MINISTRY:
        return Q()
    if own.kind in (UnitKind.PROVINCE, UnitKind.IMMIGRATION):
        return _q(province, own.province_id)
    return _q(unit, own.id)


def declaration_filter(user: User, via: str = "") -> Q:
    """Declarations ``user`` may see (or, with ``via="declaration__"``, rows that belong
    to one); they carry their establishment's police unit and province, so no join is
    needed."""
    if user.role.is_hotel:
        if user.establishment_id is None:
            return _NOTHING
        return _q(f"{via}establishment_id", user.establishment_id)
    if user.role == Role.ADMIN:
        return _NOTHING  # administrators manage accounts, not guests' personal data
    return _jurisdiction(user, province=f"{via}province_id", unit=f"{via}police_unit_id")


def covers(unit: PoliceUnit, province_id: int, police_unit_id: int) -> bool:
    """Whether a row of this province and ward unit lies in ``unit``'s jurisdiction: the
    rule of ``_jurisdiction``, for rows already in memory (a watch entry's unit)."""
    if unit.kind == UnitKind.MINISTRY:
        return True
    if unit.kind in (UnitKind.PROVINCE, UnitKind.IMMIGRATION):
        return unit.province_id == province_id
    return unit.id == police_unit_id


def report_place(user: User) -> tuple[str, int] | None:
    """Where ``user``'s reports count (a level and place of reports/rollups.py): the
    same jurisdiction as ``declaration_filter``, or None for nothing."""
    if user.role.is_hotel:
        return None if user.establishment_id is None else ("e", user.establishment_id)
    own: PoliceUnit | None = user.police_unit
    if own is None or not user.role.is_police:
        return None
    if own.kind == UnitKind.MINISTRY:
        return ("n", 0)
    if own.kind in (UnitKind.PROVINCE, UnitKind.IMMIGRATION):
        return None if own.province_id is None else ("p", own.province_id)
    return ("u", own.id)


def police_row_filter(user: User) -> Q:
    """Rows that carry a ward ``police_unit_id`` and a ``province_id`` of their own (the
    access log): the same jurisdiction as declarations, for police users only."""
    if not user.role.is_police:
        return _NOTHING
    return _jurisdiction(user, province="province_id", unit="police_unit_id")


def police_unit_filter(user: User, via: str = "") -> Q:
    """The police units at or below ``user``'s own (none for hotel accounts); with
    ``via="police_unit__"``, rows that belong to such a unit."""
    if user.role.is_hotel:
        return _NOTHING
    return _jurisdiction(user, province=f"{via}province_id", unit=f"{via}id")


def declarations(user: User) -> QuerySet[Declaration]:
    return Declaration.filter(declaration_filter(user))


def declaration_events(user: User) -> QuerySet[DeclarationEvent]:
    """The history of the declarations ``user`` may see."""
    return DeclarationEvent.filter(declaration_filter(user, via="declaration__"))


def feedback(user: User) -> QuerySet[Feedback]:
    """Ratings of police decisions: an establishment's own, or those of the police's
    jurisdiction (feedback rows carry the unit and province of the decision)."""
    if user.role.is_hotel:
        if user.establishment_id is None:
            return Feedback.filter(_NOTHING)
        return Feedback.filter(establishment_id=user.establishment_id)
    return Feedback.filter(police_row_filter(user))


def establishments(user: User) -> QuerySet[Establishment]:
    return Establishment.filter(establishment_filter(user))


def police_units(user: User) -> QuerySet[PoliceUnit]:
    return PoliceUnit.filter(police_unit_filter(user))


def users(user: User) -> QuerySet[User]:
    """Accounts ``user`` may see: an owner their establishment's, staff only themselves,
    police the accounts of establishments and units in their jurisdiction."""
    if user.role == Role.STAFF:
        return User.filter(id=user.id)
    if user.role.is_hotel:
        return User.filter(establishment_filter(user, via="establishment__"))
    if user.role == Role.ADMIN:
        return User.all()
    by_establishment = establishment_filter(user, via="establishment__")
    by_unit = police_unit_filter(user, via="police_unit__")
    return User.filter(by_establishment | by_unit)


def declaration_id(raw: str) -> str:
    """A declaration id from a URL; anything that is not a UUID is simply not found."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise NotFound() from None


async def declaration(user: User, raw_id: str, *related: str) -> Declaration:
    """One declaration in ``user``'s scope (404 outside it), with ``related`` fetched."""
    found = await declarations(user).get_or_none(id=declaration_id(raw_id)).select_related(*related)
    if found is None:
        raise NotFound()
    return found


async def establishment(user: User, establishment_id: int, *related: str) -> Establishment:
    """One establishment in ``user``'s scope, with ``related`` fetched; 404 (not 403)
    outside it, so that nobody learns which ids exist elsewhere."""
    found = await establishments(user).get_or_none(id=establishment_id).select_related(*related)
    if found is None:
        raise NotFound()
    return found
