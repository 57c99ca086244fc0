"""Establishment sign-up and the ward police's decision on it.

A lodging business registers itself and its owner's account; the establishment stays
``pending`` (it can sign in, but not declare) until the police of its ward approve it,
or ``rejected`` with a reason the owner reads at the next sign-in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from tortoise.transactions import in_transaction

from . import paging, security
from .establishments import create_establishment
from .i18n import N_
from .models import Establishment, EstablishmentKind, EstablishmentStatus, Role, User, Ward

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
PHONE = re.compile(r"^\+?[0-9][0-9 .-]{6,18}[0-9]$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DOCUMENT = re.compile(r"^[A-Z0-9]{6,20}$")
PASSWORD_MIN = 10

TEXT_LIMITS = {
    "name": 200,
    "licence_number": 50,
    "street": 300,
    "representative_name": 200,
    "email": 254,
}


@dataclass
class Checked:
    """A cleaned form: the values to store, and a message per field that is wrong."""

    values: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def check_password(password: str, confirm: str) -> str | None:
    """The problem with a new password, or None."""
    if len(password) < PASSWORD_MIN:
        return N_("Choose a password of at least 10 characters.")
    if len(password) > 200:
        return N_("This password is too long.")
    if password != confirm:
        return N_("The two passwords differ.")
    return None


# Names the police and administrators use. The sign-up page must not tell the public
# which police or admin accounts exist: any name of this shape, and any name an existing
# police or admin account holds, gets the same "reserved" answer, held or not.
RESERVED = re.compile(
    r"^(admin|root|police|officer|lead|pa\d\d|ca|bca|congan|cong-an|cand)([._-]|\d|$)"
)


async def username_problem(username: str, *, for_staff: bool = False) -> str | None:
    """Why ``username`` cannot be a new account's (its form, taken, or reserved), or None.
    ``for_staff``: an administrator creating a police or admin account, who may use the
    reserved names and is told plainly that a name is taken."""
    if not USERNAME.match(username):
        return N_("3 to 64 lower-case letters, digits, dots, dashes or underscores.")
    holder = await User.get_or_none(username=username).only("id", "role")
    if not for_staff and (
        RESERVED.match(username) or (holder is not None and not holder.role.is_hotel)
    ):
        return N_("This username is reserved. Choose another.")
    if holder is not None:
        return N_("This username is taken. Choose another.")
    return None


def _phone(value: str) -> str | None:
    digits = re.sub(r"\D", "", value)
    return value if PHONE.match(value) and 8 <= len(digits) <= 15 else None


async def check(form: dict[str, str], today: date) -> Checked:
    """Clean a sign-up form. Nothing is stored here."""
    out = Checked()
    for name, limit in TEXT_LIMITS.items():
        value = " ".join(form.get(name, "").split())
        if len(value) > limit:
            out.errors[name] = N_("This is too long.")
        out.values[name] = value
    for name in ("name", "licence_number", "street", "representative_name"):
        if not out.values[name]:
            out.errors[name] = N_("Required.")

    kind = form.get("kind", "")
    if kind not in {k.value for k in EstablishmentKind}:
        out.errors["kind"] = N_("Choose the type of establishment.")
    out.values["kind"] = kind

    ward = None
    ward_raw, province_raw = form.get("ward", ""), form.get("province", "")
    if not paging.whole(province_raw):
        out.errors["province"] = N_("Choose the province or city.")
    if paging.whole(ward_raw):
        ward = await Ward.get_or_none(code=int(ward_raw))
    if ward is None or (paging.whole(province_raw) and ward.province_id != int(province_raw)):
        out.errors["ward"] = N_("Choose the commune or ward of the address.")
    out.values["ward"] = ward.code if ward else None

    for name in ("phone", "representative_phone"):
        value = form.get(name, "").strip()
        if _phone(value) is None:
            out.errors[name] = N_("A phone number of 8 to 15 digits.")
        out.values[name] = value
    email = str(out.values["email"])
    if email and not EMAIL.match(email):
        out.errors["email"] = N_("This is not an e-mail address.")

    document = re.sub(r"\s", "", form.get("representative_document", "")).upper()
    if not DOCUMENT.match(document):
        out.errors["representative_document"] = N_(
            "The ID card or passport number: 6 to 20 letters and digits."
        )
    out.values["representative_document"] = document

    born = None
    try:
        born = date.fromisoformat(form.get("representative_birth_date", "").strip())
    except ValueError:
        out.errors["representative_birth_date"] = N_("A date of birth (day, month, year).")
    if born is not None:
        adult_since = date(born.year + 18, born.month, 28 if born.month == 2 else born.day)
        if born.year < 1900 or adult_since > today:
            out.errors["representative_birth_date"] = N_("The representative must be an adult.")
    out.values["representative_birth_date"] = born

    username = form.get("username", "").strip().lower()
    problem = await username_problem(username)
    if problem:
        out.errors["username"] = problem
    out.values["username"] = username
    problem = check_password(form.get("password", ""), form.get("password_confirm", ""))
    if problem:
        out.errors["password"] = problem
    out.values["password"] = form.get("password", "")

    if form.get("accept_privacy") != "yes":
        out.errors["accept_privacy"] = N_("Read and accept the data-protection notice.")
    return out


async def register(values: dict[str, object]) -> tuple[Establishment, User]:
    """Create the pending establishment and its owner's account, together or not at all."""
    password_hash = await security.hashed(str(values["password"]))  # before the write lock
    async with in_transaction("default"):
        establishment = await create_establishment(
            name=str(values["name"]),
            kind=EstablishmentKind(str(values["kind"])),
            licence_number=str(values["licence_number"]),
            ward_code=int(str(values["ward"])),
            street=str(values["street"]),
            phone=str(values["phone"]),
            email=str(values["email"]),
            status=EstablishmentStatus.PENDING,
        )
        born = values["representative_birth_date"]
        assert isinstance(born, date)
        establishment.representative_name = str(values["representative_name"])
        establishment.representative_birth_date = born
        establishment.representative_phone = str(values["representative_phone"])
        establishment.representative_document = str(values["representative_document"])
        establishment.privacy_accepted_at = datetime.now(UTC)
        await establishment.save()
        owner = await User.create(
            username=str(values["username"]),
            full_name=str(values["representative_name"]),
            password_hash=password_hash,
            role=Role.OWNER,
            establishment=establishment,
            email=str(values["email"]),
            phone=str(values["representative_phone"]),
        )
    return establishment, owner


# What the police may do to an establishment in each status: action → (from, to).
TRANSITIONS: dict[str, tuple[EstablishmentStatus, EstablishmentStatus]] = {
    "approve": (EstablishmentStatus.PENDING, EstablishmentStatus.ACTIVE),
    "reject": (EstablishmentStatus.PENDING, EstablishmentStatus.REJECTED),
    "suspend": (EstablishmentStatus.ACTIVE, EstablishmentStatus.SUSPENDED),
    "reactivate": (EstablishmentStatus.SUSPENDED, EstablishmentStatus.ACTIVE),
}
NEEDS_REASON = {"reject", "suspend"}


def transition(establishment: Establishment, action: str, reason: str, by: User) -> str | None:
    """Apply a police decision in memory; the problem (a message) if it is not allowed."""
    allowed = TRANSITIONS.get(action)
    if allowed is None or establishment.status != allowed[0]:
        return N_("This establishment's status does not allow that.")
    if action in NEEDS_REASON and not reason:
        return N_("Give the reason.")
    establishment.status = allowed[1]
    establishment.status_reason = reason
    establishment.decided_at = datetime.now(UTC)
    establishment.decided_by_id = by.id
    return None
