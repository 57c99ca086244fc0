"""The declaration checks: one rule set for the API, the bulk upload and (as a twin in
JavaScript, tested against the same vectors) the PWA.

``check(item, context)`` takes what a client sent and returns the cleaned values, the
errors (the item is refused) and the warnings (accepted, flagged for police). Each issue
names its field and a stable code; the message is a template translated where it is shown.
Checks that need the database (an overlapping stay elsewhere, a guest still checked in
here) live in ``records.py`` and report in the same shape.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .. import codes
from ..mrz import MrzFormatError
from ..mrz import parse as parse_mrz
from . import fields
from .context import VIETNAM, RuleContext
from .issues import Checked, Issue
from .names import ascii_name, is_latin_name, normalise_name

DOCUMENT_RE = re.compile(r"^[A-Z0-9]+$")
ENTRY_NUMBER_RE = re.compile(r"^[A-Z0-9]{1,20}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9 ().\-]{6,20}$")
PARTIAL_DATE_RE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")


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


def _given(parse: Callable[[_Checker, fields.Field, str], Any]) -> Parser:
    """A parser of a text value: a missing or empty one (or one refused as too long or of
    the wrong type) is handled once, here; ``parse`` gets the trimmed text."""

    def parser(c: _Checker, f: fields.Field, required: bool) -> Any:
        value = c.text(f.name, required=required, max_length=f.max_length)
        return None if value is None else parse(c, f, value)

    return parser


@_given
def _uuid(c: _Checker, f: fields.Field, value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        c.error(f.name, "invalid_uuid")
        return None


@_given
def _name(c: _Checker, f: fields.Field, value: str) -> str | None:
    value = normalise_name(value)
    if not is_latin_name(value):
        c.error(f.name, "name_characters")
    return value


@_given
def _code(c: _Checker, f: fields.Field, value: str) -> str | None:
    if f.normalise:
        found = codes.NORMALISERS[f.normalise](value)
        if found is None or found not in f.code_list:
            c.error(f.name, "unknown_code", value=value)
        return found or value.upper()  # kept as typed, for the checks across fields
    if value not in f.code_list:
        c.error(f.name, "unknown_code", value=value)
        return None
    return value


@_given
def _partial_date(c: _Checker, f: fields.Field, value: str) -> str | None:
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


@_given
def _document_number(c: _Checker, f: fields.Field, value: str) -> str | None:
    value = re.sub(r"\s+", "", value).upper()
    most = c.ctx.document_number_max
    if not (DOCUMENT_RE.match(value) and len(value) <= most):
        c.error(f.name, "document_number_format", max=most)
    return value


@_given
def _entry_number(c: _Checker, f: fields.Field, value: str) -> str | None:
    value = re.sub(r"\s+", "", value).upper()
    if not ENTRY_NUMBER_RE.match(value):
        c.error(f.name, "entry_number_format")
    return value


def _matching(pattern: re.Pattern[str], code: str) -> Parser:
    def parse(c: _Checker, f: fields.Field, value: str) -> str:
        if not pattern.match(value):
            c.error(f.name, code)
        return value

    return _given(parse)


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
