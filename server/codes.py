"""Code lists with Vietnamese and English names: countries, ports of entry, purposes of
entry, visa categories, document types and the small enumerations of a declaration.

Countries come from ``pycountry`` (ISO 3166-1 alpha-3, Vietnamese names from its
catalogs) plus the ICAO 9303 codes that ISO lacks (``D`` for Germany, ``XXA`` stateless,
``UNO`` …). Ports of entry are a data file in the repository (``server/data/ports.json``).
No web or ORM imports: the rules, the API, the bulk upload and the PWA export share this.
"""

from __future__ import annotations

import gettext
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pycountry

from .i18n import N_, translate

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Code:
    """A code and its name: ``label`` is the English name and a message id, so every
    other language's name comes from that language's catalog (``%(code)s`` in it stands
    for the code); ``names`` holds names that come with the data instead (countries,
    ports), by language."""

    code: str
    label: str
    names: Mapping[str, str] = field(default_factory=dict)

    def name(self, lang: str) -> str:
        found = self.names.get(lang) or translate(lang, self.label)
        return found % {"code": self.code} if "%(code)s" in found else found

    def as_json(self, languages: Iterable[str]) -> dict[str, str]:
        """For /codes: the code and its name in each language, keyed by the language."""
        return {"code": self.code, **{lang: self.name(lang) for lang in languages}}


# ICAO 9303 part 3 codes that are not ISO 3166-1 alpha-3 country codes.
_ICAO_EXTRA = (
    Code("GBD", N_("British Overseas Territories Citizen")),
    Code("GBN", N_("British National (Overseas)")),
    Code("GBO", N_("British Overseas Citizen")),
    Code("GBP", N_("British Protected Person")),
    Code("GBS", N_("British Subject")),
    Code("UNO", N_("United Nations official")),
    Code("UNA", N_("UN specialized agency official")),
    Code("UNK", N_("Kosovo (UNMIK travel document)")),
    Code("RKS", N_("Kosovo")),
    Code("XOM", N_("Sovereign Military Order of Malta")),
    Code("XXA", N_("Stateless person")),
    Code("XXB", N_("Refugee (1951 Convention)")),
    Code("XXC", N_("Refugee (other)")),
    Code("XXX", N_("Unspecified nationality")),
    Code("EUE", N_("European Union")),
)
# ICAO codes that are aliases of an ISO code: stored as the ISO code.
ICAO_ALIASES = {"D": "DEU", "D<<": "DEU"}
# Names as Vietnamese official usage has them, where pycountry's differ.
_VI_OVERRIDES = {
    "KOR": "Hàn Quốc",
    "PRK": "Triều Tiên",
    "TWN": "Đài Loan (Trung Quốc)",
    "GBR": "Vương quốc Anh",
    "USA": "Hoa Kỳ",
    "RUS": "Liên bang Nga",
    "LAO": "Lào",
    "KHM": "Campuchia",
    "HKG": "Hồng Kông (Trung Quốc)",
    "MAC": "Ma Cao (Trung Quốc)",
}


@cache
def _iso3166(lang: str) -> gettext.NullTranslations:
    """pycountry's catalog of country names in ``lang`` (any language it has)."""
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


@dataclass(frozen=True)
class Country(Code):
    """A country's name in any language comes from pycountry's catalogs, except where
    official usage in Vietnam differs (``_VI_OVERRIDES``)."""

    iso_name: str = ""

    def name(self, lang: str) -> str:
        if lang == "vi" and self.code in _VI_OVERRIDES:
            return _VI_OVERRIDES[self.code]
        if lang == "en":
            return self.label
        return _iso3166(lang).gettext(self.iso_name)


@cache
def countries() -> dict[str, Code]:
    table: dict[str, Code] = {}
    for country in pycountry.countries:
        code = country.alpha_3
        english = getattr(country, "common_name", None) or country.name
        table[code] = Country(code, english, iso_name=country.name)
    for extra in _ICAO_EXTRA:
        table.setdefault(extra.code, extra)
    return dict(sorted(table.items()))


def normalise_nationality(value: str) -> str | None:
    """An ISO/ICAO code as stored (``D`` → ``DEU``), or None when unknown."""
    cleaned = value.strip().upper().replace(" ", "")
    cleaned = ICAO_ALIASES.get(cleaned, cleaned.rstrip("<"))
    cleaned = ICAO_ALIASES.get(cleaned, cleaned)
    return cleaned if cleaned in countries() else None


@dataclass(frozen=True)
class Port(Code):
    kind: str = "airport"  # airport, land, sea, rail

    def as_json(self, languages: Iterable[str]) -> dict[str, str]:
        return {**super().as_json(languages), "kind": self.kind}


@cache
def ports() -> dict[str, Port]:
    """Ports of entry: their Vietnamese and English names are data (ports.json); in any
    other language a port keeps its English name, as place names do."""
    rows = json.loads((DATA / "ports.json").read_text(encoding="utf-8"))
    return {r["code"]: Port(r["code"], r["name_en"], {"vi": r["name_vi"]}, r["kind"]) for r in rows}


def _table(*codes: Code) -> dict[str, Code]:
    return {c.code: c for c in codes}


PURPOSES = _table(
    Code("tourism", N_("Tourism")),
    Code("business", N_("Business")),
    Code("work", N_("Work")),
    Code("investment", N_("Investment")),
    Code("study", N_("Study or internship")),
    Code("visiting_relatives", N_("Visiting relatives")),
    Code("family_dependant", N_("Accompanying family member")),
    Code("journalism", N_("Journalism")),
    Code("official", N_("Official or diplomatic")),
    Code("conference", N_("Conference")),
    Code("medical", N_("Medical treatment")),
    Code("transit", N_("Transit")),
    Code("other", N_("Other")),
)

# Visa symbols of Law 47/2014 (as amended 2019 and 2023), official spelling.
VISA_CATEGORIES = _table(
    *(Code(c, N_("Visa %(code)s")) for c in ("NG1", "NG2", "NG3", "NG4", "LV1", "LV2")),
    Code("LS", N_("Visa LS (lawyer)")),
    *(Code(f"ĐT{i}", N_("Visa %(code)s (investor)")) for i in range(1, 5)),
    Code("DN1", N_("Visa DN1 (business)")),
    Code("DN2", N_("Visa DN2 (services, trade)")),
    Code("NN1", N_("Visa NN1 (international organisation)")),
    Code("NN2", N_("Visa NN2 (representative office)")),
    Code("NN3", N_("Visa NN3 (non-governmental organisation)")),
    Code("DH", N_("Visa DH (study, internship)")),
    Code("HN", N_("Visa HN (conference)")),
    Code("PV1", N_("Visa PV1 (resident journalist)")),
    Code("PV2", N_("Visa PV2 (journalist)")),
    Code("LĐ1", N_("Visa LĐ1 (work, permit-exempt)")),
    Code("LĐ2", N_("Visa LĐ2 (work)")),
    Code("DL", N_("Visa DL (tourism)")),
    Code("TT", N_("Visa TT (family)")),
    Code("VR", N_("Visa VR (visiting, other)")),
    Code("SQ", N_("Visa SQ (market survey)")),
    Code("EV", N_("E-visa (EV)")),
)


def normalise_visa_category(value: str) -> str | None:
    """The official symbol, accepting a plain D for Đ (``LD1`` → ``LĐ1``)."""
    cleaned = value.strip().upper().replace(" ", "")
    if cleaned in VISA_CATEGORIES:
        return cleaned
    with_d = cleaned.replace("D", "Đ") if cleaned.startswith(("LD", "DT")) else cleaned
    return with_d if with_d in VISA_CATEGORIES else None


DOCUMENT_TYPES = _table(
    Code("passport", N_("Ordinary passport")),
    Code("official_passport", N_("Official passport")),
    Code("diplomatic_passport", N_("Diplomatic passport")),
    Code("other", N_("Other travel document")),
)

ENTRY_KINDS = _table(
    Code("visa", N_("Visa")),
    Code("e_visa", N_("E-visa")),
    Code("visa_exempt", N_("Visa-exempt")),
    Code("temporary_residence_card", N_("Temporary residence card")),
    Code("permanent_residence_card", N_("Permanent residence card")),
)

SEXES = _table(
    Code("M", N_("Male")),
    Code("F", N_("Female")),
    Code("X", N_("Unspecified")),
)

RELATIONSHIPS = _table(
    Code("parent", N_("Parent")),
    Code("grandparent", N_("Grandparent")),
    Code("sibling", N_("Sibling")),
    Code("relative", N_("Other relative")),
    Code("guardian", N_("Guardian")),
    Code("other", N_("Other accompanying adult")),
)


# The lists by the name the API's /codes and the field table (declarations/fields.py)
# use for them.
LISTS: dict[str, Callable[[], dict[str, Any]]] = {
    "countries": countries,
    "ports": ports,
    "purposes": lambda: PURPOSES,
    "visa_categories": lambda: VISA_CATEGORIES,
    "document_types": lambda: DOCUMENT_TYPES,
    "entry_kinds": lambda: ENTRY_KINDS,
    "sexes": lambda: SEXES,
    "relationships": lambda: RELATIONSHIPS,
}


def _upper(value: str) -> str | None:
    return value.upper()


# How a typed code becomes the stored one (None: not a code of the list); the PWA's
# rules.js has the same normalisers under the same names.
NORMALISERS: dict[str, Callable[[str], str | None]] = {
    "upper": _upper,
    "nationality": normalise_nationality,
    "visa_category": normalise_visa_category,
}


def export(languages: Iterable[str]) -> dict[str, Any]:
    """Every list, with names in ``languages``, for the PWA and hotel software
    (``GET /api/v1/codes``)."""
    from . import exemptions  # it reads DATA from here

    languages = tuple(languages)
    return {
        "visa_exemptions": exemptions.export(),
        **{name: [c.as_json(languages) for c in table().values()] for name, table in LISTS.items()},
    }
