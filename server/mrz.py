"""Machine-readable zones (ICAO Doc 9303): TD3 passports (2 × 44), TD2 (2 × 36) and
TD1 (3 × 30) cards. Every check digit is verified and each failure is named, so the form
can say *which* part was mistyped or misread.

Pure functions, no web or ORM imports; the PWA has a twin in JavaScript tested against
the same vectors (``tests/vectors/mrz.json``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .codes import normalise_nationality

_WEIGHTS = (7, 3, 1)
_ALLOWED = re.compile(r"^[A-Z0-9<]+$")
LENGTHS = {"TD3": (2, 44), "TD2": (2, 36), "TD1": (3, 30)}


def char_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    if char == "<":
        return 0
    raise ValueError(f"not an MRZ character: {char!r}")


def check_digit(data: str) -> str:
    """The ICAO 9303 check digit of ``data`` (weights 7, 3, 1; ``<`` counts 0)."""
    return str(sum(char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(data)) % 10)


def _digit_ok(data: str, digit: str, *, optional: bool = False) -> bool:
    # An all-filler optional field may carry '<' instead of '0' as its check digit.
    if optional and digit == "<" and set(data) <= {"<"}:
        return True
    return digit.isdigit() and check_digit(data) == digit


@dataclass
class Mrz:
    format: str
    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality_raw: str
    nationality: str | None
    birth_raw: str
    date_of_birth: str | None  # "YYYY-MM-DD", or "YYYY" / "YYYY-MM" when unknown in part
    sex: str
    expiry_raw: str
    document_expiry: str | None
    optional_data: str
    failed_checks: list[str] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.surname, self.given_names) if part)

    @property
    def valid(self) -> bool:
        return not self.failed_checks


class MrzFormatError(ValueError):
    """The text is not an MRZ of a known shape. ``code`` is stable, for translations."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def split_lines(text: str) -> list[str]:
    """Lines of an MRZ typed, pasted or OCR'd: case, spaces and blank lines forgiven."""
    lines = [re.sub(r"\s+", "", line).upper() for line in text.strip().splitlines()]
    lines = [line for line in lines if line]
    if len(lines) == 1:  # pasted as one run of characters
        run = lines[0]
        for count, width in LENGTHS.values():
            if len(run) == count * width:
                return [run[i : i + width] for i in range(0, len(run), width)]
    return lines


def _name(field_text: str) -> tuple[str, str]:
    surname, _sep, given = field_text.strip("<").partition("<<")
    return surname.replace("<", " ").strip(), given.replace("<", " ").strip()


def _birth(raw: str, today: date) -> str | None:
    """YYMMDD → ISO; a day or month of ``<<`` (unknown) gives year or year-month only."""
    yy, mm, dd = raw[0:2], raw[2:4], raw[4:6]
    if not yy.isdigit():
        return None
    year = 2000 + int(yy)
    if year > today.year:
        year -= 100
    if not mm.isdigit():
        return f"{year:04d}"
    if not dd.isdigit():
        return f"{year:04d}-{mm}"
    return _iso(year, mm, dd)


def _expiry(raw: str) -> str | None:
    if not raw.isdigit():
        return None
    return _iso(2000 + int(raw[0:2]), raw[2:4], raw[4:6])


def _iso(year: int, mm: str, dd: str) -> str | None:
    try:
        return date(year, int(mm), int(dd)).isoformat()
    except ValueError:
        return None


def parse(text: str, today: date | None = None) -> Mrz:
    """Parse an MRZ; raises ``MrzFormatError`` for a wrong shape, reports bad check
    digits in ``failed_checks`` (document_number, date_of_birth, document_expiry,
    optional_data, composite)."""
    today = today or date.today()
    lines = split_lines(text)
    fmt = next(
        (
            name
            for name, (count, width) in LENGTHS.items()
            if len(lines) == count and all(len(line) == width for line in lines)
        ),
        None,
    )
    if fmt is None:
        raise MrzFormatError("mrz_shape")
    if not all(_ALLOWED.match(line) for line in lines):
        raise MrzFormatError("mrz_characters")
    if fmt == "TD1":
        return _td1(lines, today)
    return _td2_td3(fmt, lines, today)


def _td2_td3(fmt: str, lines: list[str], today: date) -> Mrz:
    top, bottom = lines
    surname, given = _name(top[5:])
    number, number_cd = bottom[0:9], bottom[9]
    birth, birth_cd = bottom[13:19], bottom[19]
    expiry, expiry_cd = bottom[21:27], bottom[27]
    if fmt == "TD3":
        optional, optional_cd, composite_cd = bottom[28:42], bottom[42], bottom[43]
        composite = bottom[0:10] + bottom[13:20] + bottom[21:43]
    else:
        optional, optional_cd, composite_cd = bottom[28:35], None, bottom[35]
        composite = bottom[0:10] + bottom[13:20] + bottom[21:35]
    full_number = number
    if number_cd == "<" and optional:  # long document number continues in optional data
        overflow = optional.split("<", 1)[0]
        full_number, number_cd = number + overflow[:-1], overflow[-1:] or "<"
        number_ok = _digit_ok(full_number, number_cd)
    else:
        number_ok = _digit_ok(number, number_cd)
    failed = []
    if not number_ok:
        failed.append("document_number")
    if not _digit_ok(birth, birth_cd):
        failed.append("date_of_birth")
    if not _digit_ok(expiry, expiry_cd):
        failed.append("document_expiry")
    if optional_cd is not None and not _digit_ok(optional, optional_cd, optional=True):
        failed.append("optional_data")
    if not _digit_ok(composite, composite_cd):
        failed.append("composite")
    nationality_raw = bottom[10:13]
    return Mrz(
        format=fmt,
        document_code=top[0:2].replace("<", ""),
        issuing_state=top[2:5].replace("<", ""),
        surname=surname,
        given_names=given,
        document_number=full_number.replace("<", ""),
        nationality_raw=nationality_raw,
        nationality=normalise_nationality(nationality_raw),
        birth_raw=birth,
        date_of_birth=_birth(birth, today),
        sex={"M": "M", "F": "F"}.get(bottom[20], "X"),
        expiry_raw=expiry,
        document_expiry=_expiry(expiry),
        optional_data=optional.replace("<", ""),
        failed_checks=failed,
    )


def _td1(lines: list[str], today: date) -> Mrz:
    first, second, third = lines
    number, number_cd, optional1 = first[5:14], first[14], first[15:30]
    full_number = number
    if number_cd == "<":  # long document number continues in optional data 1
        overflow = optional1.split("<", 1)[0]
        full_number, number_cd = number + overflow[:-1], overflow[-1:] or "<"
    birth, birth_cd = second[0:6], second[6]
    expiry, expiry_cd = second[8:14], second[14]
    composite = first[5:30] + second[0:7] + second[8:15] + second[18:29]
    failed = []
    if not _digit_ok(full_number, number_cd):
        failed.append("document_number")
    if not _digit_ok(birth, birth_cd):
        failed.append("date_of_birth")
    if not _digit_ok(expiry, expiry_cd):
        failed.append("document_expiry")
    if not _digit_ok(composite, second[29]):
        failed.append("composite")
    surname, given = _name(third)
    nationality_raw = second[15:18]
    return Mrz(
        format="TD1",
        document_code=first[0:2].replace("<", ""),
        issuing_state=first[2:5].replace("<", ""),
        surname=surname,
        given_names=given,
        document_number=full_number.replace("<", ""),
        nationality_raw=nationality_raw,
        nationality=normalise_nationality(nationality_raw),
        birth_raw=birth,
        date_of_birth=_birth(birth, today),
        sex={"M": "M", "F": "F"}.get(second[7], "X"),
        expiry_raw=expiry,
        document_expiry=_expiry(expiry),
        optional_data=(optional1 + second[18:29]).replace("<", ""),
        failed_checks=failed,
    )
