"""The declaration checks: one rule set for the API, the bulk upload and (as a twin in
JavaScript, tested against the same vectors) the PWA.

``check(item, context)`` takes what a client sent and returns the cleaned values, the
errors (the item is refused) and the warnings (accepted, flagged for police). Each issue
names its field and a stable code; the message is a template translated where it is shown.
Checks that need the database (an overlapping stay elsewhere, a guest still checked in
here) live in ``records.py`` and report in the same shape.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .. import codes
from ..i18n import N_, gettext
from ..mrz import MrzFormatError
from ..mrz import parse as parse_mrz
from . import fields

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

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

NAME_PUNCTUATION = frozenset(" -'.")
DOCUMENT_RE = re.compile(r"^[A-Z0-9]+$")
ENTRY_NUMBER_RE = re.compile(r"^[A-Z0-9]{1,20}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9 ().\-]{6,20}$")
PARTIAL_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class DeadlineRule:
    """How long after arrival a declaration is on time: data, not code (*unverified* law
    may change), per channel and remote-area flag, versioned by effective date."""

    effective_from: date
    channel: str  # "electronic" or "paper"
    remote: bool
    hours: int


# Law 47/2014 Art. 33 as amended by Law 23/2023 (in force 15 Aug 2023): electronic
# "immediately" (a grace is configurable), paper 12 h, or 24 h in remote areas.
DEFAULT_DEADLINES = (
    DeadlineRule(date(2023, 8, 15), "paper", False, 12),
    DeadlineRule(date(2023, 8, 15), "paper", True, 24),
)


@dataclass(frozen=True)
class RuleContext:
    """What the checks need to know besides the item itself."""

    now: datetime  # the server's clock, UTC
    arrival_window_days: int = 1  # arrival today or up to this many days before
    document_number_max: int = 10
    grace_hours: int = 12  # electronic declarations: "immediately", with this grace
    remote_grace_hours: int = 24
    remote_area: bool = False
    room_required: bool = False  # hotels must give the room number
    deadlines: tuple[DeadlineRule, ...] = DEFAULT_DEADLINES

    def as_json(self) -> dict[str, Any]:
        """The settings a client needs to run the same checks (the PWA's twin does)."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in ("now", "deadlines")
        }

    @property
    def today(self) -> date:
        return self.now.astimezone(VIETNAM).date()

    def deadline_hours(self, arrived: datetime, channel: str = "electronic") -> int:
        if channel == "electronic":
            return self.remote_grace_hours if self.remote_area else self.grace_hours
        rules = [
            r
            for r in self.deadlines
            if r.channel == channel and r.remote == self.remote_area
            and r.effective_from <= arrived.astimezone(VIETNAM).date()
        ]  # fmt: skip
        return max(rules, key=lambda r: r.effective_from).hours if rules else self.grace_hours


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


def parse_partial_date(value: str) -> tuple[int, int | None, int | None] | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (passports may show day or month unknown)."""
    match = PARTIAL_DATE_RE.match(value.strip())
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    try:
        date(year, month or 1, day or 1)
    except ValueError:
        return None
    return year, month, day


# Dates outside these years are refused as invalid: far beyond any real document, and
# date arithmetic near year 1 or 9999 overflows.
YEARS = (1800, 2999)


def parse_moment(value: object) -> datetime | None:
    """An ISO date-time in UTC; one without an offset is a wall-clock time in Vietnam."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if not YEARS[0] <= parsed.year <= YEARS[1]:
        return None  # nobody arrives in year 1 or 9999 (and date sums there overflow)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=VIETNAM)
    return parsed.astimezone(UTC)


def normalise_name(value: str) -> str:
    """Upper case, single spaces, as printed in the passport."""
    return re.sub(r"\s+", " ", value).strip().upper()


def is_latin_name(value: str) -> bool:
    """Latin letters (diacritics allowed, as printed), spaces, hyphens, apostrophes, dots."""
    has_letter = False
    for ch in value:
        if ch.isalpha():
            if "LATIN" not in unicodedata.name(ch, ""):
                return False
            has_letter = True
        elif ch not in NAME_PUNCTUATION:
            return False
    return has_letter


# ICAO 9303 part 3 transliterations that differ from simply dropping the diacritic.
_ICAO_TRANSLIT = str.maketrans(
    {
        "Ä": "AE",
        "Ö": "OE",
        "Ü": "UE",
        "ß": "SS",
        "Å": "AA",
        "Æ": "AE",
        "Ø": "OE",
        "Þ": "TH",
        "Ð": "D",
        "Đ": "D",
    }
)


def ascii_name(value: str, icao: bool = False) -> str:
    """The name as an MRZ would carry it: A–Z and single spaces, diacritics dropped (or,
    with ``icao``, transliterated the ICAO way: Ü → UE)."""
    upper = value.upper()
    if icao:
        upper = upper.translate(_ICAO_TRANSLIT)
    stripped = unicodedata.normalize("NFKD", upper).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z]+", " ", stripped).strip()


class _Checker:
    def __init__(self, item: dict[str, Any], ctx: RuleContext) -> None:
        self.item = item
        self.ctx = ctx
        self.values: dict[str, Any] = {}
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []

    def error(self, name: str, code: str, **params: Any) -> None:
        self.errors.append(Issue(name, code, params))

    def warn(self, name: str, code: str, **params: Any) -> None:
        self.warnings.append(Issue(name, code, params))

    def text(self, name: str, *, required: bool, max_length: int) -> str | None:
        raw = self.item.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                self.error(name, "required")
            return None
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            raw = str(raw)
        if not isinstance(raw, str):
            self.error(name, "invalid_type")
            return None
        value = raw.strip()
        if len(value) > max_length:
            self.error(name, "too_long", max=max_length)
            return None
        return value

    def day(self, name: str, *, required: bool) -> date | None:
        value = self.text(name, required=required, max_length=10)
        if value is None:
            return None
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is None or not YEARS[0] <= parsed.year <= YEARS[1]:
            self.error(name, "invalid_date")
            return None
        return parsed

    def moment(self, name: str, *, required: bool) -> datetime | None:
        value = self.text(name, required=required, max_length=40)
        if value is None:
            return None
        parsed = parse_moment(value)
        if parsed is None:
            self.error(name, "invalid_datetime")
        return parsed


def check(item: dict[str, Any], ctx: RuleContext) -> Checked:
    """Clean and check one declaration as sent by a client: each field of the table by
    its kind, in the table's order, then the rules across fields."""
    c = _Checker(item, ctx)
    v = c.values
    for unknown in sorted(set(item) - set(fields.NAMES)):
        c.error(unknown, "unknown_field", value=unknown)
    for f in fields.FIELDS:
        if f.kind == "mrz":
            continue  # last: compared with everything else (``_check_mrz``)
        required = f.required.holds(v, ctx) if isinstance(f.required, fields.When) else f.required
        v[f.name] = _PARSERS[f.kind](c, f, required)
    _entry_paper(c)
    _check_dates(c, v["arrived_at"])
    _check_mrz(c)
    return Checked(values=v, errors=c.errors, warnings=c.warnings)


def _entry_paper(c: _Checker) -> None:
    """An e-visa's category is EV when not given; only visas keep a category."""
    v = c.values
    if v["entry_kind"] == "e_visa" and v["visa_category"] is None:
        v["visa_category"] = "EV"
    if v["entry_kind"] not in ("visa", "e_visa"):
        v["visa_category"] = None


def _uuid(c: _Checker, f: fields.Field, required: bool) -> str | None:
    value = c.text(f.name, required=required, max_length=f.max_length)
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        c.error(f.name, "invalid_uuid")
        return None


def _name(c: _Checker, f: fields.Field, required: bool) -> str | None:
    value = c.text(f.name, required=required, max_length=f.max_length)
    if value is None:
        return None
    value = normalise_name(value)
    if not is_latin_name(value):
        c.error(f.name, "name_characters")
    return value


def _code(c: _Checker, f: fields.Field, required: bool) -> str | None:
    value = c.text(f.name, required=required, max_length=f.max_length)
    if value is None:
        return None
    if f.normalise:
        found = codes.NORMALISERS[f.normalise](value)
        if found is None or found not in f.code_list:
            c.error(f.name, "unknown_code", value=value)
        return found or value.upper()  # kept as typed, for the checks across fields
    if value not in f.code_list:
        c.error(f.name, "unknown_code", value=value)
        return None
    return value


def _partial_date(c: _Checker, f: fields.Field, required: bool) -> str | None:
    value = c.text(f.name, required=required, max_length=f.max_length)
    if value is None:
        return None
    parts = parse_partial_date(value)
    if parts is None:
        c.error(f.name, "invalid_date")
        return None
    year, month, day_ = parts
    today = c.ctx.today
    if date(year, month or 1, day_ or 1) > today:
        c.error(f.name, "birth_in_future")
    elif year < today.year - 130:
        c.error(f.name, "birth_too_old", years=130)
    return value


def _document_number(c: _Checker, f: fields.Field, required: bool) -> str | None:
    value = c.text(f.name, required=required, max_length=f.max_length)
    if value is None:
        return None
    value = re.sub(r"\s+", "", value).upper()
    most = c.ctx.document_number_max
    if not (DOCUMENT_RE.match(value) and len(value) <= most):
        c.error(f.name, "document_number_format", max=most)
    return value


def _entry_number(c: _Checker, f: fields.Field, required: bool) -> str | None:
    value = c.text(f.name, required=required, max_length=f.max_length)
    if value is None:
        return None
    value = re.sub(r"\s+", "", value).upper()
    if not ENTRY_NUMBER_RE.match(value):
        c.error(f.name, "entry_number_format")
    return value


def _matching(pattern: re.Pattern[str], code: str) -> Parser:
    def parse(c: _Checker, f: fields.Field, required: bool) -> str | None:
        value = c.text(f.name, required=required, max_length=f.max_length)
        if value is not None and not pattern.match(value):
            c.error(f.name, code)
        return value

    return parse


def _text(c: _Checker, f: fields.Field, required: bool) -> str | None:
    return c.text(f.name, required=required, max_length=f.max_length)


def _bool(c: _Checker, f: fields.Field, required: bool) -> bool:
    value = c.item.get(f.name, False)
    if not isinstance(value, bool):
        c.error(f.name, "invalid_type")
        return False
    return value


def _day(c: _Checker, f: fields.Field, required: bool) -> date | None:
    return c.day(f.name, required=required)


def _moment(c: _Checker, f: fields.Field, required: bool) -> datetime | None:
    return c.moment(f.name, required=required)


Parser = Callable[[_Checker, fields.Field, bool], Any]
# One parser per kind of field (fields.Kind); "mrz" is checked last, across fields.
_PARSERS: dict[str, Parser] = {
    "uuid": _uuid,
    "moment": _moment,
    "day": _day,
    "partial_date": _partial_date,
    "name": _name,
    "code": _code,
    "document_number": _document_number,
    "entry_number": _entry_number,
    "text": _text,
    "phone": _matching(PHONE_RE, "invalid_phone"),
    "email": _matching(EMAIL_RE, "invalid_email"),
    "bool": _bool,
}


def _check_dates(c: _Checker, arrived: datetime | None) -> None:
    v, ctx, today = c.values, c.ctx, c.ctx.today
    entry, expiry = v.get("entry_date"), v.get("document_expiry")
    departure, permit = v.get("expected_departure"), v.get("stay_permitted_until")
    if entry is not None and entry > today:
        c.error("entry_date", "entry_in_future")
    if arrived is None:
        return
    arrival_day = arrived.astimezone(VIETNAM).date()
    if arrived > ctx.now + timedelta(days=1):
        c.error("arrived_at", "arrival_in_future")
    elif arrival_day < today - timedelta(days=ctx.arrival_window_days):
        c.error("arrived_at", "arrival_too_old", days=ctx.arrival_window_days)
    if entry is not None and entry > arrival_day:
        c.error("entry_date", "entry_after_arrival")
    if departure is not None and departure < arrival_day:
        c.error("expected_departure", "departure_before_arrival")
    if expiry is not None and expiry < arrival_day:
        c.error("document_expiry", "document_expired")
    elif expiry is not None and departure is not None and expiry < departure:
        c.warn("document_expiry", "document_expires_during_stay")
    if permit is not None:
        if permit < today:
            c.warn("stay_permitted_until", "permit_expired", until=permit.isoformat())
        elif departure is not None and permit < departure:
            c.warn("stay_permitted_until", "stay_beyond_permit", until=permit.isoformat())
    deadline = ctx.deadline_hours(arrived)
    delay = ctx.now - arrived
    if delay > timedelta(hours=deadline):
        c.warn("arrived_at", "late", hours=int(delay.total_seconds() // 3600), deadline=deadline)


def _check_mrz(c: _Checker) -> None:
    raw = c.text("mrz", required=False, max_length=200)
    if raw is None:
        c.values["mrz"] = None
        return
    try:
        mrz = parse_mrz(raw, c.ctx.today)
    except MrzFormatError:
        c.error("mrz", "mrz_format")
        c.values["mrz"] = None
        return
    c.values["mrz"] = raw.strip().upper()
    if mrz.is_visa:
        c.error("mrz", "mrz_is_visa")
        return
    for part in mrz.failed_checks:
        c.error("mrz", "mrz_check_failed", part=part)
    if mrz.failed_checks:
        return
    v = c.values
    typed_name = v.get("full_name") or ""
    read_name = mrz.full_name.replace(" ", "")
    # Names in an MRZ drop apostrophes, may transliterate (Ü → UE or U) and are cut at the
    # line's end: the typed name must begin with what the MRZ holds, either way.
    if (
        typed_name
        and read_name
        and not any(
            ascii_name(typed_name, icao).replace(" ", "").startswith(read_name)
            for icao in (False, True)
        )
    ):
        c.error("full_name", "mrz_mismatch", value=mrz.full_name)
    # A code outside our lists (UTO, a new state) reads as None: the user picks.
    for f in fields.COMPARED_WITH_MRZ:
        typed, read = v.get(f.name), getattr(mrz, f.name)
        if isinstance(typed, date):
            typed = typed.isoformat()
        if typed is not None and read is not None and typed != read:
            c.error(f.name, "mrz_mismatch", value=read)


def content_key(item: dict[str, Any]) -> dict[str, Any]:
    """What is compared when the same id arrives again: the item minus transient fields."""
    return {k: item[k] for k in sorted(item) if k not in fields.TRANSIENT}
