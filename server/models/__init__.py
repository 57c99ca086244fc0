"""The ORM models, one Tortoise app called ``models``."""

from .accounts import ApiToken, AuditEvent, Role, User, WebSession
from .establishments import Establishment, EstablishmentKind, EstablishmentStatus
from .geo import PoliceUnit, Province, UnitKind, Ward

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Establishment",
    "EstablishmentKind",
    "EstablishmentStatus",
    "PoliceUnit",
    "Province",
    "Role",
    "UnitKind",
    "User",
    "Ward",
    "WebSession",
]
