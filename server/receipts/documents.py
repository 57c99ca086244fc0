"""What a receipt says: for one declaration, or for an establishment's day, with its
signed code and the link its QR code carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from urllib.parse import quote

from ..declarations.context import VIETNAM
from ..models import Declaration, Establishment, PoliceUnit
from ..reports.figures import bounds
from .signing import Claim, KeySet, Signer


@cache
def signer(path: Path) -> Signer:
    return Signer(path)


@cache
def key_set(key_file: Path, retired: tuple[Path, ...]) -> KeySet:
    """The current receipt key and the retired ones (settings RECEIPT_KEY_FILE and
    RECEIPT_RETIRED_KEYS)."""
    return KeySet.of(signer(key_file), list(retired))


@dataclass
class Receipt:
    kind: str  # "R" one declaration, "D" an establishment's day
    number: str
    establishment: Establishment
    unit: PoliceUnit
    lines: list[Declaration]
    day: date | None
    code: str  # the signed text the QR code carries
    check_url: str  # where scanning the QR code leads
    issued_at: datetime


def day_number(establishment_id: int, day: date) -> str:
    return f"D{day:%Y%m%d}-{establishment_id}"


async def _establishment(establishment_id: int) -> tuple[Establishment, PoliceUnit]:
    est = await Establishment.get(id=establishment_id).select_related(
        "ward", "province", "police_unit"
    )
    return est, est.police_unit


def _stamp(moment: datetime) -> str:
    """The time in Vietnam, to the second, with its offset."""
    return moment.astimezone(VIETNAM).isoformat(timespec="seconds")


def _check_url(base_url: str, code: str) -> str:
    return f"{base_url}/receipts/check?c={quote(code, safe='')}"


def declaration_code(d: Declaration, unit_code: str, key_file: Path) -> str:
    """The signed code of one declaration's receipt (what its QR code carries): the same
    on paper, in the API's answers and on the phone."""
    claim = Claim(
        "R", d.receipt_number, str(d.id), d.establishment_id, unit_code, _stamp(d.received_at),
        1, d.document_number[-4:],
    )  # fmt: skip
    return signer(key_file).sign(claim)


async def unit_code(establishment_id: int) -> str:
    """The code of the police unit an establishment declares to."""
    code = await Establishment.get(id=establishment_id).values_list("police_unit__code", flat=True)
    return str(code)


async def for_declaration(d: Declaration, key_file: Path, base_url: str, now: datetime) -> Receipt:
    est, unit = await _establishment(d.establishment_id)
    code = declaration_code(d, unit.code, key_file)
    return Receipt("R", d.receipt_number, est, unit, [d], None, code,
                   _check_url(base_url, code), now)  # fmt: skip


async def for_day(
    establishment_id: int, day: date, key_file: Path, base_url: str, now: datetime
) -> Receipt:
    est, unit = await _establishment(establishment_id)
    low, high = bounds(day, day)
    lines = await Declaration.filter(
        establishment_id=est.id, received_at__gte=low, received_at__lt=high
    ).order_by("received_at", "id")
    last = lines[-1].received_at if lines else low
    number = day_number(est.id, day)
    claim = Claim("D", number, day.isoformat(), est.id, unit.code, _stamp(last), len(lines), "")
    code = signer(key_file).sign(claim)
    return Receipt("D", number, est, unit, lines, day, code, _check_url(base_url, code), now)
