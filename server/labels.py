"""Human names for the codes stored in the database, translated where shown."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from .declarations import lifecycle
from .i18n import N_, gettext
from .models import EstablishmentKind, EstablishmentStatus, ReviewState, Role, StayStatus

ROLES = {
    Role.OWNER: N_("Establishment owner"),
    Role.STAFF: N_("Establishment staff"),
    Role.POLICE_OFFICER: N_("Police officer"),
    Role.POLICE_SUPERVISOR: N_("Police supervisor"),
    Role.IMMIGRATION_OFFICER: N_("Immigration officer (PA08)"),
    Role.ADMIN: N_("Administrator"),
}

ESTABLISHMENT_KINDS = {
    EstablishmentKind.HOTEL: N_("Hotel"),
    EstablishmentKind.GUESTHOUSE: N_("Guesthouse"),
    EstablishmentKind.HOMESTAY: N_("Homestay"),
    EstablishmentKind.APARTMENT: N_("Serviced apartment"),
    EstablishmentKind.RENTED_HOUSE: N_("Rented house"),
    EstablishmentKind.OTHER: N_("Other lodging"),
}

ESTABLISHMENT_STATUSES = {
    EstablishmentStatus.PENDING: N_("Pending approval"),
    EstablishmentStatus.ACTIVE: N_("Active"),
    EstablishmentStatus.SUSPENDED: N_("Suspended"),
    EstablishmentStatus.REJECTED: N_("Registration rejected"),
}


REVIEW_STATES = lifecycle.REVIEW_LABELS
STAY_STATUSES = lifecycle.STAY_LABELS


def event_label(action: str) -> str:
    """A history entry's step, as the history shows it."""
    found = lifecycle.HISTORY.get(action)
    return gettext(found) if found else action


def _label(table: Mapping[Any, str], value: Enum | str) -> str:
    for key, message in table.items():
        if key == value or key.value == value:
            return gettext(message)
    return str(value)


def role_label(value: Role | str) -> str:
    return _label(ROLES, value)


def establishment_kind_label(value: EstablishmentKind | str) -> str:
    return _label(ESTABLISHMENT_KINDS, value)


def establishment_status_label(value: EstablishmentStatus | str) -> str:
    return _label(ESTABLISHMENT_STATUSES, value)


def review_state_label(value: ReviewState | str) -> str:
    return _label(REVIEW_STATES, value)


def stay_status_label(value: StayStatus | str) -> str:
    return _label(STAY_STATUSES, value)
