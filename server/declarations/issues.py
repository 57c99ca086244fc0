"""What the checks say about a declaration: each issue names its field and a stable code;
its message is a template, translated where it is shown (the PWA renders the same codes
from its own catalogs)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..i18n import N_, gettext

MESSAGES = {
    "required": N_("This field is required."),
    "unknown_field": N_("Unknown field: %(value)s."),
    "invalid_type": N_("This value has the wrong type."),
    "too_long": N_("At most %(max)s characters."),
    "invalid_uuid": N_("The record id must be a UUID."),
    "name_characters": N_("Use the Latin letters of the passport, spaces and hyphens only."),
    "invalid_date": N_("Not a valid date (use YYYY-MM-DD)."),
    "invalid_datetime": N_("Not a valid date and time."),
    "birth_in_future": N_("The date of birth is in the future."),
    "birth_too_old": N_("The date of birth is more than %(years)s years ago."),
    "unknown_code": N_("Unknown code: %(value)s."),
    "document_number_format": N_("The document number must be 1 to %(max)s letters or digits."),
    "document_expired": N_("The document had expired before arrival."),
    "entry_number_format": N_("The number must be 1 to 20 letters or digits."),
    "entry_after_arrival": N_("The date of entry is after the arrival at the establishment."),
    "entry_in_future": N_("The date of entry is in the future."),
    "arrival_in_future": N_("The arrival is more than a day in the future."),
    "arrival_too_old": N_(
        "The arrival is too long ago: the national system accepts only today and the "
        "previous %(days)s day(s). Declare it on paper to the ward police."
    ),
    "departure_before_arrival": N_("The expected departure is before the arrival."),
    "departure_in_future": N_("The departure is more than a day in the future."),
    "invalid_email": N_("Not a valid e-mail address."),
    "invalid_phone": N_("Not a valid phone number."),
    "mrz_format": N_("This is not a machine-readable zone of 2 × 44, 2 × 36 or 3 × 30 characters."),
    "mrz_check_failed": N_("The MRZ check digit of %(part)s is wrong: re-read that part."),
    "mrz_mismatch": N_("This does not match the machine-readable zone (%(value)s)."),
    "mrz_is_visa": N_(
        "These lines are from a visa. Put the passport's lines here; the visa fills the "
        "entry paper."
    ),
    "already_checked_in": N_(
        "This document is still checked in here (receipt %(receipt)s). Check the guest out "
        "before declaring a new stay."
    ),
    "duplicate_in_batch": N_("The same document appears twice in this batch."),
    "id_conflict": N_(
        "This record id was already used for a different declaration. Correct the existing "
        "one, or send this one with a new id."
    ),
    # Warnings: accepted, and flagged for the police.
    "late": N_("Declared %(hours)s hours after arrival: the deadline was %(deadline)s hours."),
    "stay_beyond_permit": N_(
        "The permitted stay ends on %(until)s, before the expected departure."
    ),
    "permit_expired": N_("The permitted stay ended on %(until)s."),
    "document_expires_during_stay": N_("The travel document expires before the departure."),
    "overlapping_stay": N_(
        "The same document is checked in at another establishment on overlapping nights."
    ),
}

# The parts of an MRZ a check digit protects, as the message names them.
MRZ_PARTS = {
    "document_number": N_("document number"),
    "date_of_birth": N_("date of birth"),
    "document_expiry": N_("expiry date"),
    "optional_data": N_("optional data"),
    "composite": N_("whole lower line"),
}


@dataclass(frozen=True)
class Issue:
    field: str
    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def message(self) -> str:
        return MESSAGES[self.code]

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> Issue:
        """An issue as kept in a declaration's ``warnings`` column."""
        return cls(stored["field"], stored["code"], stored.get("params", {}))

    def as_stored(self) -> dict[str, Any]:
        return {"field": self.field, "code": self.code, "params": self.params}

    def render(self) -> str:
        """The message in the active language, with its values filled in."""
        params = dict(self.params)
        if "part" in params:
            params["part"] = gettext(MRZ_PARTS.get(params["part"], params["part"]))
        return gettext(self.message, **params)

    def as_json(self) -> dict[str, Any]:
        """For clients: the translated message, and the code and values to render it in
        another language (the PWA does, from its own catalogs)."""
        return {
            "field": self.field,
            "code": self.code,
            "message": self.render(),
            "params": self.params,
        }


@dataclass
class Checked:
    values: dict[str, Any]
    errors: list[Issue]
    warnings: list[Issue]

    @property
    def ok(self) -> bool:
        return not self.errors
