"""Guests' names as passports print them: Latin letters, and the MRZ's A–Z form."""

from __future__ import annotations

import re
import unicodedata

NAME_PUNCTUATION = frozenset(" -'.")


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
