"""Code lists: names in both languages, ICAO codes, normalisation."""

from __future__ import annotations

from server import codes


def test_countries_have_vietnamese_and_english_names() -> None:
    table = codes.countries()
    assert len(table) >= 249
    assert table["DEU"].name("vi") == "Đức" and table["DEU"].name("en") == "Germany"
    assert table["KOR"].name("vi") == "Hàn Quốc"
    assert table["VNM"].name("en") == "Vietnam"
    assert all(c.name("vi") and c.name("en") for c in table.values())


def test_icao_only_codes_are_accepted_and_normalised() -> None:
    assert codes.normalise_nationality("D") == "DEU"
    assert codes.normalise_nationality("d<<") == "DEU"
    assert codes.normalise_nationality("XXA") == "XXA"
    assert codes.normalise_nationality("UNO") == "UNO"
    assert codes.normalise_nationality("GBN") == "GBN"
    assert codes.normalise_nationality("ZZZ") is None
    assert codes.normalise_nationality("") is None


def test_ports_cover_airports_land_and_sea() -> None:
    ports = codes.ports()
    assert {"HAN", "SGN", "DAD", "L-MOCBAI", "S-SAIGON"} <= set(ports)
    assert {p.kind for p in ports.values()} == {"airport", "land", "sea", "rail"}
    assert ports["HAN"].name("vi") == "Cảng hàng không quốc tế Nội Bài"


def test_visa_categories_use_official_symbols() -> None:
    assert codes.normalise_visa_category("LĐ1") == "LĐ1"
    assert codes.normalise_visa_category("ld1") == "LĐ1"
    assert codes.normalise_visa_category("dt3") == "ĐT3"
    assert codes.normalise_visa_category("DL") == "DL"
    assert codes.normalise_visa_category("DN1") == "DN1"
    assert codes.normalise_visa_category("XX") is None


def test_export_has_every_list() -> None:
    exported = codes.export(("vi", "en"))
    assert set(exported) == {
        "countries", "ports", "purposes", "visa_categories",
        "document_types", "entry_kinds", "sexes", "relationships", "visa_exemptions",
    }  # fmt: skip
    exemptions = exported.pop("visa_exemptions")
    assert exemptions["version"] and exemptions["rows"]  # dated rows, not a code list
    assert all(set(row) >= {"code", "vi", "en"} for rows in exported.values() for row in rows)
