"""Human names for the codes stored in the database, translated where shown."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from .declarations import lifecycle
from .i18n import N_, get_locale, gettext
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


def state_label(state: str) -> str:
    """A declaration's state as the establishment sees it (received, confirmed…)."""
    found = lifecycle.STATE_LABELS.get(state)
    return gettext(found) if found else state


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


# The audit log's events (AuditEvent.action), as the admin pages show them.
AUDIT_ACTIONS = {
    "login": N_("Signed in"),
    "login_failed": N_("Sign-in failed"),
    "login_password_ok": N_("Password accepted, a second step follows"),
    "login_code_ok": N_("Second-factor code accepted"),
    "login_code_failed": N_("Wrong second-factor code"),
    "logout": N_("Signed out"),
    "sign_in_throttled": N_("Sign-ins slowed down after failures"),
    "token_created": N_("API token created"),
    "token_revoked": N_("API token revoked"),
    "password_changed": N_("Password changed"),
    "password_reset": N_("Password reset"),
    "account_created": N_("Account created"),
    "account_creation_refused": N_("Account creation refused"),
    "account_lock": N_("Account locked"),
    "account_unlock": N_("Account unlocked"),
    "account_reset": N_("Password reset for the account"),
    "account_disable": N_("Account disabled"),
    "account_enable": N_("Account enabled"),
    "two_factor_enabled": N_("Two-factor sign-in turned on"),
    "two_factor_disabled": N_("Two-factor sign-in turned off"),
    "recovery_codes_renewed": N_("Recovery codes renewed"),
    "signup": N_("Establishment registered"),
    "establishment_approve": N_("Establishment approved"),
    "establishment_reject": N_("Registration rejected"),
    "establishment_suspend": N_("Establishment suspended"),
    "establishment_reactivate": N_("Establishment reactivated"),
    "watch_add": N_("Added to the watch list"),
    "watch_end": N_("Removed from the watch list"),
    "review_target": N_("Review target changed"),
    "bulk_upload": N_("File of guests uploaded"),
    "purge": N_("Personal data purged"),
}

# The access log (police/access.py): what was done, to what, with which filters.
ACCESS_ACTIONS = {
    "view": N_("Viewed a guest's data"),
    "list": N_("Listed declarations"),
    "search": N_("Searched for a guest"),
    "export": N_("Exported declarations"),
}
ACCESS_TARGETS = {"queue": N_("Review queue"), "queue.csv": N_("Export of the queue (CSV)")}
ACCESS_DETAILS = {
    "state": N_("State"),
    "flag": N_("Flag"),
    "establishment": N_("Establishment"),
    "nationality": N_("Nationality"),
    "from": N_("Arrived from"),
    "to": N_("to"),
    "doc": N_("Document number (fingerprint)"),
    "name": N_("Name (fingerprint)"),
    "overdue": N_("Review overdue"),
    "shown": N_("Rows shown"),
    "declaration": N_("Declaration"),
    "via": N_("Through"),
}
ACCESS_VIA = {"receipt": N_("its receipt")}


def country_name(code: str | None) -> str:
    """A nationality's name in the active language, with its code (printed in passports)."""
    from . import codes

    found = codes.countries().get(code or "")
    return f"{found.name(get_locale())} ({code})" if found else (code or "")


def audit_label(action: str) -> str:
    found = AUDIT_ACTIONS.get(action)
    return gettext(found) if found else action


def access_label(action: str) -> str:
    found = ACCESS_ACTIONS.get(action)
    return gettext(found) if found else action


def access_target(target: str) -> str:
    """The page or file read; a receipt number or a day's receipt as they are."""
    if target in ACCESS_TARGETS:
        return gettext(ACCESS_TARGETS[target])
    if target.startswith("day:"):
        _day, establishment, when = [*target.split(":"), "", ""][:3]
        return gettext("Day receipt of establishment %(id)s, %(day)s", id=establishment, day=when)
    return target


def access_details(detail: dict[str, Any]) -> list[tuple[str, str]]:
    """The filters and facts of an access, each with its name and value in words."""
    from .declarations import flags

    shown = []
    for key, value in detail.items():
        text = str(value)
        if key == "state":
            text = gettext("All") if value == "all" else review_state_label(text)
        elif key == "flag" and text in flags.FLAGS:
            text = gettext(flags.FLAGS[text])
        elif key == "flag":
            text = {"any": gettext("Any flag"), "none": gettext("No flag")}.get(text, text)
        elif key == "overdue":
            text = gettext("Yes")
        elif key == "via":
            text = gettext(ACCESS_VIA[text]) if text in ACCESS_VIA else text
        label = ACCESS_DETAILS.get(key)
        shown.append((gettext(label) if label else key, text))
    return shown
