"""Random machine-readable zones with correct check digits, for the camera-reading tests.

Each document is what the reader should read back exactly: the printed lines and the
layout. The names, numbers and dates are made up; nothing here is a real person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from server.mrz import check_digit

SURNAMES = (
    "ERIKSSON",
    "MUELLER",
    "NGUYEN",
    "SCHMIDT",
    "DUBOIS",
    "ROSSI",
    "TANAKA",
    "KIM",
    "SMITH",
    "JOHANSSON",
    "VAN<DER<BERG",
    "O<BRIEN",
    "GARCIA<LOPEZ",
    "IVANOVA",
    "WOJCIECHOWSKA",
    "ABDULLAH",
    "CHAROENSUK",
    "SANTOS",
    "FERNANDEZ",
    "KOWALSKI",
    "PETERSEN",
    "LI",
    "WANG",
    "MACKENZIE",
    "HOLMQVIST",
    "BJOERNSTAD",
    "QUIGLEY",
    "ZHUKOV",
    "YAMAMOTO",
    "PHAM",
)
GIVEN = (
    "ANNA",
    "MARIA",
    "HANS",
    "PETER",
    "JEAN",
    "PIERRE",
    "YUKI",
    "MIN<JUN",
    "JOHN",
    "SOFIA",
    "LUCA",
    "OLGA",
    "AHMAD",
    "SOMCHAI",
    "JOSE",
    "KAROLINA",
    "ERIK",
    "XIAO<MING",
    "QUENTIN",
    "ZOE",
    "BEATRIZ",
    "WILHELM",
    "YVONNE",
    "KAI",
    "NGOC<ANH",
    "VICTOR",
    "GUSTAV",
    "IMOGEN",
)
STATES = (
    "SWE",
    "D<<",
    "FRA",
    "GBR",
    "ITA",
    "JPN",
    "KOR",
    "USA",
    "AUS",
    "THA",
    "PHL",
    "NLD",
    "ESP",
    "RUS",
    "POL",
    "CHN",
    "CAN",
    "NOR",
    "DNK",
    "FIN",
    "MYS",
    "SGP",
    "IDN",
)
LAYOUTS = {"TD3": (2, 44), "TD2": (2, 36), "TD1": (3, 30), "MRVA": (2, 44), "MRVB": (2, 36)}
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
VISA_CATEGORIES = ("DL", "DN1", "DN2", "LD1", "TT", "EV", "HN", "DH")


@dataclass(frozen=True)
class Document:
    layout: str
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _fit(text: str, width: int) -> str:
    return (text + "<" * width)[:width]


def _yymmdd(day: date) -> str:
    return day.strftime("%y%m%d")


def _name(rng: random.Random, width: int) -> str:
    given = "<".join(rng.sample(GIVEN, rng.choice((1, 1, 2, 3))))
    return _fit(f"{rng.choice(SURNAMES)}<<{given}", width)


def _number(rng: random.Random, length: int = 9) -> str:
    first = rng.choice("ABCDEFGHKLMNPRSTXY")
    digits = "".join(rng.choice("0123456789") for _ in range(length - 3))
    tail = "".join(rng.choice(ALNUM) for _ in range(2))
    return first + digits + tail


def _dates(rng: random.Random, today: date) -> tuple[str, str, str]:
    birth = date(rng.randint(1940, 2010), rng.randint(1, 12), rng.randint(1, 28))
    expiry = today + timedelta(days=rng.randint(40, 3600))
    return _yymmdd(birth), _yymmdd(expiry), rng.choice("MF")


def make(rng: random.Random, layout: str | None = None, today: date | None = None) -> Document:
    """A random document of ``layout`` (or a mix weighted like a hotel's desk)."""
    today = today or date(2026, 11, 30)
    layout = layout or rng.choice(("TD3",) * 6 + ("TD1", "TD2", "MRVA", "MRVB"))
    state = rng.choice(STATES)
    nationality = state if rng.random() < 0.9 else rng.choice(STATES)
    birth, expiry, sex = _dates(rng, today)
    number = _number(rng)
    if layout == "TD3":
        optional = _fit(rng.choice(("", "ZE184226B", "1234567890", "K<4<88")), 14)
        top = "P<" + state + _name(rng, 39)
        head = number + check_digit(number) + nationality + birth + check_digit(birth) + sex
        head += expiry + check_digit(expiry) + optional + check_digit(optional)
        composite = head[0:10] + head[13:20] + head[21:43]
        return Document(layout, (top, head + check_digit(composite)))
    if layout in ("MRVA", "MRVB"):
        width = 44 if layout == "MRVA" else 36
        kind = rng.choice(("V<", "VD", "VN"))
        top = kind + state + _name(rng, width - 5)
        optional = _fit(rng.choice(VISA_CATEGORIES) if rng.random() < 0.6 else "", width - 28)
        bottom = number + check_digit(number) + nationality + birth + check_digit(birth) + sex
        bottom += expiry + check_digit(expiry) + optional
        return Document(layout, (top, bottom))
    if layout == "TD2":
        top = rng.choice(("I<", "ID", "AC")) + state + _name(rng, 31)
        head = number + check_digit(number) + nationality + birth + check_digit(birth) + sex
        head += expiry + check_digit(expiry) + "<" * 7
        composite = head[0:10] + head[13:20] + head[21:35]
        return Document(layout, (top, head + check_digit(composite)))
    code = rng.choice(("I<", "ID", "IR", "AC", "C<"))
    first = code + state + number + check_digit(number) + _fit(rng.choice(("", "7Z1")), 15)
    second = birth + check_digit(birth) + sex + expiry + check_digit(expiry) + nationality
    second += "<" * 11
    composite = first[5:30] + second[0:7] + second[8:15] + second[18:29]
    second += check_digit(composite)
    return Document("TD1", (first, second, _name(rng, 30)))


def td3(
    surname: str,
    given: str,
    number: str,
    nationality: str,
    birth: date,
    sex: str,
    expiry: date,
    issuer: str | None = None,
) -> Document:
    """A passport of exactly these particulars."""
    optional = _fit("", 14)
    top = "P<" + (issuer or nationality) + _fit(f"{surname}<<{given.replace(' ', '<')}", 39)
    number = _fit(number, 9)
    head = number + check_digit(number) + nationality + _yymmdd(birth) + check_digit(_yymmdd(birth))
    head += sex + _yymmdd(expiry) + check_digit(_yymmdd(expiry)) + optional + check_digit(optional)
    composite = head[0:10] + head[13:20] + head[21:43]
    return Document("TD3", (top, head + check_digit(composite)))


def mrva(
    surname: str,
    given: str,
    number: str,
    nationality: str,
    birth: date,
    sex: str,
    valid_until: date,
    category: str = "",
    issuer: str = "VNM",
) -> Document:
    """A visa sticker (MRV-A) of exactly these particulars, as Vietnam would issue it."""
    top = "V<" + issuer + _fit(f"{surname}<<{given.replace(' ', '<')}", 39)
    number = _fit(number, 9)
    bottom = number + check_digit(number) + nationality + _yymmdd(birth)
    bottom += check_digit(_yymmdd(birth)) + sex + _yymmdd(valid_until)
    bottom += check_digit(_yymmdd(valid_until)) + _fit(category, 16)
    return Document("MRVA", (top, bottom))
