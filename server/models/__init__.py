"""The ORM models, one Tortoise app called ``models``."""

from ..declarations.lifecycle import ReviewState, StayStatus
from .accounts import (
    HOTEL_ROLES,
    POLICE_ROLES,
    SUPERVISOR_ROLES,
    ApiToken,
    AuditEvent,
    RecoveryCode,
    Role,
    SignInThrottle,
    User,
    WebSession,
)
from .declarations import (
    ChangeCounter,
    Declaration,
    DeclarationEvent,
    DeclarationRevision,
)
from .establishments import Establishment, EstablishmentKind, EstablishmentStatus
from .geo import PoliceUnit, Province, UnitKind, Ward
from .police import AccessLog, Feedback, WatchEntry
from .reports import ReportTotals

__all__ = [
    "HOTEL_ROLES",
    "POLICE_ROLES",
    "SUPERVISOR_ROLES",
    "AccessLog",
    "ApiToken",
    "AuditEvent",
    "ChangeCounter",
    "Declaration",
    "DeclarationEvent",
    "DeclarationRevision",
    "Establishment",
    "EstablishmentKind",
    "EstablishmentStatus",
    "Feedback",
    "PoliceUnit",
    "Province",
    "RecoveryCode",
    "ReportTotals",
    "ReviewState",
    "Role",
    "SignInThrottle",
    "StayStatus",
    "UnitKind",
    "User",
    "Ward",
    "WatchEntry",
    "WebSession",
]
