"""Machine-readable zones (ICAO Doc 9303): TD3 passports (2 × 44), TD2 (2 × 36) and
TD1 (3 × 30) cards, MRV-A (2 × 44) and MRV-B (2 × 36) visas, and the old French identity
card (2 × 36, ``IDFRA``). The layout is told by the line count and width and then by the
document code (``V`` for visas). Every check digit is verified and each failure is named,
so the form can say *which* part was mistyped or misread.

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
# Layouts that share a shape with one of LENGTHS, told apart by the document code.
VISAS = ("MRVA", "MRVB")
# What is removed from each line: ASCII blanks only, so that the server and the PWA's twin
# (pwa/js/mrz.js) agree on every input, whatever Unicode calls a space or a line break.
_BLANKS = re.compile(r"[ \t\v\f]+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def char_value(char: str) -> int:
    if char.isascii() and char.isdigit():
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
    return (digit.isascii() and digit.isdigit()) and check_digit(data) == digit


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

    @property
    def is_visa(self) -> bool:
        return self.format in VISAS


class MrzFormatError(ValueError):
    """The text is not an MRZ of a known shape. ``code`` is stable, for translations."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def split_lines(text: str) -> list[str]:
    """Lines of an MRZ typed, pasted or OCR'd: case, spaces and blank lines forgiven."""
    lines = [_BLANKS.sub("", line).translate(_UPPER) for line in _LINE_BREAK.split(text)]
    lines = [line for line in lines if line]
    if len(lines) == 1:  # pasted as one run of characters
        run = lines[0]
        for count, width in LENGTHS.values():
            if len(run) == count * width:
                return [run[i : i + width] for i in range(0, len(run), width)]
    return lines


def _name(field_text: str) -> tuple[str, str]:
    # A field starting with "<<" has no primary identifier: it is all given names.
    surname, _sep, given = field_text.rstrip("<").partition("<<")
    return " ".join(surname.replace("<", " ").split()), " ".join(given.replace("<", " ").split())


def _birth(raw: str, today: date) -> str | None:
    """YYMMDD → ISO; a day or month of ``<<`` (unknown) gives year or year-month only."""
    yy, mm, dd = raw[0:2], raw[2:4], raw[4:6]
    if not (yy.isascii() and yy.isdigit()):
        return None
    year = 2000 + int(yy)
    if year > today.year:
        year -= 100
    if not (mm.isascii() and mm.isdigit()):
        return f"{year:04d}"
    if not (dd.isascii() and dd.isdigit()):
        return f"{year:04d}-{mm}"
    return _iso(year, mm, dd)


def _expiry(raw: str) -> str | None:
    if not (raw.isascii() and raw.isdigit()):
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
    if lines[0].startswith("V"):
        return _visa("MRVA" if fmt == "TD3" else "MRVB", lines, today)
    if fmt == "TD2" and lines[0].startswith("IDFRA"):
        return _french_id(lines, today)
    return _td2_td3(fmt, lines, today)


@dataclass(frozen=True)
class _Zone:
    """Where each field sits in one format: the raw slices, before any checking."""

    code_and_state: str  # the first five characters: document code and issuing state
    name: str
    number: str
    number_cd: str
    overflow: str  # where a document number longer than 9 characters continues
    nationality: str
    birth: str
    birth_cd: str
    sex: str
    expiry: str
    expiry_cd: str
    optional: str
    optional_cd: str | None  # TD3 only
    composite: str | None  # visas have none
    composite_cd: str


def _td2_td3(fmt: str, lines: list[str], today: date) -> Mrz:
    top, bottom = lines
    end = 42 if fmt == "TD3" else 35  # where the optional data and composite data end
    return _assemble(
        fmt,
        _Zone(
            code_and_state=top[0:5],
            name=top[5:],
            number=bottom[0:9],
            number_cd=bottom[9],
            overflow=bottom[28:end],
            nationality=bottom[10:13],
            birth=bottom[13:19],
            birth_cd=bottom[19],
            sex=bottom[20],
            expiry=bottom[21:27],
            expiry_cd=bottom[27],
            optional=bottom[28:end],
            optional_cd=bottom[42] if fmt == "TD3" else None,
            composite=bottom[0:10] + bottom[13:20] + bottom[21 : end + (fmt == "TD3")],
            composite_cd=bottom[-1],
        ),
        today,
    )


def _td1(lines: list[str], today: date) -> Mrz:
    first, second, third = lines
    return _assemble(
        "TD1",
        _Zone(
            code_and_state=first[0:5],
            name=third,
            number=first[5:14],
            number_cd=first[14],
            overflow=first[15:30],
            nationality=second[15:18],
            birth=second[0:6],
            birth_cd=second[6],
            sex=second[7],
            expiry=second[8:14],
            expiry_cd=second[14],
            optional=first[15:30] + second[18:29],
            optional_cd=None,
            composite=first[5:30] + second[0:7] + second[8:15] + second[18:29],
            composite_cd=second[29],
        ),
        today,
    )


def _visa(fmt: str, lines: list[str], today: date) -> Mrz:
    """MRV-A and MRV-B (ICAO 9303 part 7): no composite digit; the optional data runs on."""
    top, bottom = lines
    return _assemble(
        fmt,
        _Zone(
            code_and_state=top[0:5],
            name=top[5:],
            number=bottom[0:9],
            number_cd=bottom[9],
            overflow="",
            nationality=bottom[10:13],
            birth=bottom[13:19],
            birth_cd=bottom[19],
            sex=bottom[20],
            expiry=bottom[21:27],
            expiry_cd=bottom[27],
            optional=bottom[28:],
            optional_cd=None,
            composite=None,
            composite_cd="",
        ),
        today,
    )


def _french_id(lines: list[str], today: date) -> Mrz:
    """The French identity card of 1988–2021: surname on the first line, a 12-character
    number, given names on the second; the composite digit covers both lines."""
    top, bottom = lines
    return _assemble(
        "TD2",
        _Zone(
            code_and_state=top[0:5],
            name=top[5:30].rstrip("<") + "<<" + bottom[13:27],
            number=bottom[0:12],
            number_cd=bottom[12],
            overflow="",
            nationality="FRA",
            birth=bottom[27:33],
            birth_cd=bottom[33],
            sex=bottom[34],
            expiry="",
            expiry_cd="",
            optional=top[30:36],
            optional_cd=None,
            composite=top + bottom[0:35],
            composite_cd=bottom[35],
        ),
        today,
    )


def _long_number(z: _Zone) -> tuple[str, bool]:
    """A number longer than 9 characters continues in the optional data after a filler
    (ICAO 9303-5 note j). Issuers compute its check digit over the number with or
    without that filler; either is accepted, as other readers do."""
    rest = z.overflow.split("<", 1)[0]
    number, digit = z.number + rest[:-1], rest[-1:] or "<"
    with_filler = z.number + "<" + rest[:-1]
    return number, _digit_ok(number, digit) or _digit_ok(with_filler, digit)


def _assemble(fmt: str, z: _Zone, today: date) -> Mrz:
    number = z.number
    if z.number_cd == "<" and z.overflow:
        number, number_ok = _long_number(z)
    else:
        number_ok = _digit_ok(number, z.number_cd)
    checks = [
        ("document_number", number_ok),
        ("date_of_birth", _digit_ok(z.birth, z.birth_cd)),
    ]
    if z.expiry:  # the old French card prints none
        checks.append(("document_expiry", _digit_ok(z.expiry, z.expiry_cd)))
    if z.optional_cd is not None:
        checks.append(("optional_data", _digit_ok(z.optional, z.optional_cd, optional=True)))
    if z.composite is not None:
        checks.append(("composite", _digit_ok(z.composite, z.composite_cd)))
    surname, given = _name(z.name)
    return Mrz(
        format=fmt,
        document_code=z.code_and_state[0:2].replace("<", ""),
        issuing_state=z.code_and_state[2:5].replace("<", ""),
        surname=surname,
        given_names=given,
        document_number=number.replace("<", ""),
        nationality_raw=z.nationality,
        nationality=normalise_nationality(z.nationality),
        birth_raw=z.birth,
        date_of_birth=_birth(z.birth, today),
        sex={"M": "M", "F": "F"}.get(z.sex, "X"),
        expiry_raw=z.expiry,
        document_expiry=_expiry(z.expiry),
        optional_data=z.optional.replace("<", ""),
        failed_checks=[name for name, ok in checks if not ok],
    )
