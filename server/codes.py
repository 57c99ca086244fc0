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
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pycountry

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Code:
    code: str
    name_vi: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_vi

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "vi": self.name_vi, "en": self.name_en}


# ICAO 9303 part 3 codes that are not ISO 3166-1 alpha-3 country codes.
_ICAO_EXTRA = (
    Code("GBD", "Anh (Lãnh thổ hải ngoại)", "British Overseas Territories Citizen"),
    Code("GBN", "Anh (Công dân hải ngoại)", "British National (Overseas)"),
    Code("GBO", "Anh (Công dân hải ngoại)", "British Overseas Citizen"),
    Code("GBP", "Anh (Người được bảo hộ)", "British Protected Person"),
    Code("GBS", "Anh (Thần dân)", "British Subject"),
    Code("UNO", "Liên hợp quốc (nhân viên)", "United Nations official"),
    Code("UNA", "Cơ quan chuyên môn Liên hợp quốc", "UN specialized agency official"),
    Code("UNK", "Kosovo (UNMIK)", "Kosovo (UNMIK travel document)"),
    Code("RKS", "Kosovo", "Kosovo"),
    Code("XOM", "Dòng Hiệp sĩ Malta", "Sovereign Military Order of Malta"),
    Code("XXA", "Người không quốc tịch", "Stateless person"),
    Code("XXB", "Người tị nạn (Công ước 1951)", "Refugee (1951 Convention)"),
    Code("XXC", "Người tị nạn (khác)", "Refugee (other)"),
    Code("XXX", "Không xác định quốc tịch", "Unspecified nationality"),
    Code("EUE", "Liên minh châu Âu", "European Union"),
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
def countries() -> dict[str, Code]:
    vi = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["vi"], fallback=True)
    table: dict[str, Code] = {}
    for country in pycountry.countries:
        code = country.alpha_3
        english = getattr(country, "common_name", None) or country.name
        table[code] = Code(code, _VI_OVERRIDES.get(code) or vi.gettext(country.name), english)
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

    def as_json(self) -> dict[str, str]:
        return {**super().as_json(), "kind": self.kind}


@cache
def ports() -> dict[str, Port]:
    rows = json.loads((DATA / "ports.json").read_text(encoding="utf-8"))
    return {r["code"]: Port(r["code"], r["name_vi"], r["name_en"], r["kind"]) for r in rows}


def _table(*codes: Code) -> dict[str, Code]:
    return {c.code: c for c in codes}


PURPOSES = _table(
    Code("tourism", "Du lịch", "Tourism"),
    Code("business", "Làm việc với doanh nghiệp", "Business"),
    Code("work", "Lao động", "Work"),
    Code("investment", "Đầu tư", "Investment"),
    Code("study", "Học tập, thực tập", "Study or internship"),
    Code("visiting_relatives", "Thăm thân", "Visiting relatives"),
    Code("family_dependant", "Người thân đi cùng", "Accompanying family member"),
    Code("journalism", "Báo chí", "Journalism"),
    Code("official", "Công vụ, ngoại giao", "Official or diplomatic"),
    Code("conference", "Hội nghị, hội thảo", "Conference"),
    Code("medical", "Chữa bệnh", "Medical treatment"),
    Code("transit", "Quá cảnh", "Transit"),
    Code("other", "Mục đích khác", "Other"),
)

# Visa symbols of Law 47/2014 (as amended 2019 and 2023), official spelling.
VISA_CATEGORIES = _table(
    *(Code(c, f"Thị thực {c}", f"Visa {c}") for c in ("NG1", "NG2", "NG3", "NG4", "LV1", "LV2")),
    Code("LS", "Thị thực LS (luật sư)", "Visa LS (lawyer)"),
    *(Code(f"ĐT{i}", f"Thị thực ĐT{i} (đầu tư)", f"Visa ĐT{i} (investor)") for i in range(1, 5)),
    Code("DN1", "Thị thực DN1 (doanh nghiệp)", "Visa DN1 (business)"),
    Code("DN2", "Thị thực DN2 (dịch vụ, thương mại)", "Visa DN2 (services, trade)"),
    Code("NN1", "Thị thực NN1 (tổ chức quốc tế)", "Visa NN1 (international organisation)"),
    Code("NN2", "Thị thực NN2 (văn phòng đại diện)", "Visa NN2 (representative office)"),
    Code("NN3", "Thị thực NN3 (tổ chức phi chính phủ)", "Visa NN3 (non-governmental organisation)"),
    Code("DH", "Thị thực DH (học tập, thực tập)", "Visa DH (study, internship)"),
    Code("HN", "Thị thực HN (hội nghị)", "Visa HN (conference)"),
    Code("PV1", "Thị thực PV1 (phóng viên thường trú)", "Visa PV1 (resident journalist)"),
    Code("PV2", "Thị thực PV2 (phóng viên)", "Visa PV2 (journalist)"),
    Code("LĐ1", "Thị thực LĐ1 (lao động, miễn giấy phép)", "Visa LĐ1 (work, permit-exempt)"),
    Code("LĐ2", "Thị thực LĐ2 (lao động)", "Visa LĐ2 (work)"),
    Code("DL", "Thị thực DL (du lịch)", "Visa DL (tourism)"),
    Code("TT", "Thị thực TT (thăm thân, người thân)", "Visa TT (family)"),
    Code("VR", "Thị thực VR (thăm người thân, mục đích khác)", "Visa VR (visiting, other)"),
    Code("SQ", "Thị thực SQ (khảo sát thị trường)", "Visa SQ (market survey)"),
    Code("EV", "Thị thực điện tử (EV)", "E-visa (EV)"),
)


def normalise_visa_category(value: str) -> str | None:
    """The official symbol, accepting a plain D for Đ (``LD1`` → ``LĐ1``)."""
    cleaned = value.strip().upper().replace(" ", "")
    if cleaned in VISA_CATEGORIES:
        return cleaned
    with_d = cleaned.replace("D", "Đ") if cleaned.startswith(("LD", "DT")) else cleaned
    return with_d if with_d in VISA_CATEGORIES else None


DOCUMENT_TYPES = _table(
    Code("passport", "Hộ chiếu phổ thông", "Ordinary passport"),
    Code("official_passport", "Hộ chiếu công vụ", "Official passport"),
    Code("diplomatic_passport", "Hộ chiếu ngoại giao", "Diplomatic passport"),
    Code("other", "Giấy tờ đi lại khác", "Other travel document"),
)

ENTRY_KINDS = _table(
    Code("visa", "Thị thực", "Visa"),
    Code("e_visa", "Thị thực điện tử", "E-visa"),
    Code("visa_exempt", "Miễn thị thực", "Visa-exempt"),
    Code("temporary_residence_card", "Thẻ tạm trú", "Temporary residence card"),
    Code("permanent_residence_card", "Thẻ thường trú", "Permanent residence card"),
)

SEXES = _table(
    Code("M", "Nam", "Male"),
    Code("F", "Nữ", "Female"),
    Code("X", "Không xác định", "Unspecified"),
)

RELATIONSHIPS = _table(
    Code("parent", "Cha/mẹ", "Parent"),
    Code("grandparent", "Ông/bà", "Grandparent"),
    Code("sibling", "Anh/chị", "Sibling"),
    Code("relative", "Người thân khác", "Other relative"),
    Code("guardian", "Người giám hộ", "Guardian"),
    Code("other", "Người đi cùng khác", "Other accompanying adult"),
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


def export() -> dict[str, Any]:
    """Every list, for the PWA and hotel software (``GET /api/v1/codes``)."""
    from . import exemptions  # it reads DATA from here

    return {
        "visa_exemptions": exemptions.export(),
        **{name: [c.as_json() for c in table().values()] for name, table in LISTS.items()},
    }
