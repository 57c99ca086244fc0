"""Report figures against a known fixture, on the page and in the CSV and .xlsx."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from openpyxl import load_workbook
from starlette.applications import Starlette

from tests.builders import signed_out
from tests.police import steps

from .conftest import END, START

RANGE = f"from={START.isoformat()}&to={END.isoformat()}"
EXPECTED = {
    ("summary", "total"): "4",
    ("summary", "on_time"): "3",
    ("summary", "on_time_rate"): "0.7500",
    # Of 2, 1, 24, 3 (2.50 exactly), each read at its quarter-hour's middle.
    ("summary", "median_hours_to_declare"): "2.62",
    ("summary", "decided"): "3",
    ("summary", "median_hours_to_decide"): "4.12",  # of 4, 10, 2 (4.00 exactly)
    ("summary", "ratings"): "2",
    ("summary", "rating_average"): "4.00",
    ("day", "2026-11-01"): "2",
    ("day", "2026-11-02"): "1",
    ("day", "2026-11-03"): "1",
    ("nationality", "KOR"): "2",
    ("nationality", "USA"): "1",
    ("nationality", "FRA"): "1",
    ("review_state", "confirmed"): "2",
    ("review_state", "new"): "1",
    ("review_state", "returned"): "1",
    ("rating", "5"): "1",
    ("rating", "3"): "1",
}


def read_csv(text: str) -> dict[tuple[str, str], str]:
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    return {(r["section"], r["key"]): r["value"] for r in rows}


@pytest.mark.parametrize("username", ["police.hk", "owner.hk"])
async def test_the_csv_has_the_known_figures(
    app: Starlette, known: list[str], username: str
) -> None:
    user = await steps.officer(app, username)
    answer = await user.get(f"/reports/export.csv?{RANGE}")
    assert answer.status_code == 200
    figures = read_csv(answer.text)
    for key, value in EXPECTED.items():
        assert figures.get(key) == value, key
    assert ("nationality", "JPN") not in figures  # outside the dates
    assert sum(int(v) for (s, _), v in figures.items() if s == "establishment") == 4


async def test_the_spreadsheet_reads_back_the_same(app: Starlette, known: list[str]) -> None:
    user = await steps.officer(app, "police.hk")
    answer = await user.get(f"/reports/export.xlsx?{RANGE}")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    sheets = {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in book}
    summary = {row[0]: row[2] for row in sheets["Tổng hợp"][1:]}
    assert summary["total"] == 4 and summary["on_time_rate"] == 0.75
    assert summary["median_hours_to_declare"] == 2.62
    nationalities = {row[0]: row[2] for row in sheets["Quốc tịch"][1:]}
    assert nationalities == {"KOR": 2, "USA": 1, "FRA": 1}
    days = [row[2] for row in sheets["Theo ngày"][1:]]
    assert days == [2, 1, 1]


async def test_the_page_draws_the_figures_and_charts(app: Starlette, known: list[str]) -> None:
    user = await steps.officer(app, "police.hk")
    page = await user.get(f"/reports?{RANGE}")
    assert page.status_code == 200
    assert '<strong id="total">4</strong>' in page.text
    assert page.text.count('<svg class="chart"') == 3
    assert "Hàn Quốc" in page.text and "comment 5" in page.text
    english = await user.get(f"/reports?{RANGE}", headers={"Accept-Language": "en"})
    assert "Korea" in english.text or "Hàn Quốc" in english.text


async def test_a_province_sees_every_ward_and_can_narrow_to_one(
    app: Starlette, known: list[str]
) -> None:
    pa08 = await steps.officer(app, "pa08.hn")
    whole = read_csv((await pa08.get(f"/reports/export.csv?{RANGE}")).text)
    assert whole[("summary", "total")] == "5"  # Hoàn Kiếm's 4 and Cửa Nam's 1
    police = await steps.officer(app, "police.hk")
    page = await police.get(f"/reports?{RANGE}")
    assert page.status_code == 200


async def test_nobody_reads_another_establishments_or_wards_figures(
    app: Starlette, client: httpx.AsyncClient, known: list[str]
) -> None:
    other = await steps.officer(app, "police.cn")
    figures = read_csv((await other.get(f"/reports/export.csv?{RANGE}")).text)
    assert figures[("summary", "total")] == "1"
    owner = await steps.officer(app, "owner.cn")
    figures = read_csv((await owner.get(f"/reports/export.csv?{RANGE}")).text)
    assert figures[("summary", "total")] == "1"
    # An establishment of another ward is "not found", whoever asks.
    hk_id = await steps.officer(app, "police.hk")
    listing = (await hk_id.get("/police/establishments")).text
    import re

    est = re.search(r'href="/police/establishments/(\d+)"', listing)
    assert est
    refused = await other.get(f"/reports?{RANGE}&establishment={est.group(1)}")
    assert refused.status_code == 404
    for username in ("staff.hk", "admin"):
        user = await steps.officer(app, username)
        assert (await user.get(f"/reports?{RANGE}")).status_code == 403
    assert signed_out(await client.get("/reports"))


async def test_bad_report_parameters_are_refused_clearly(app: Starlette) -> None:
    user = await steps.officer(app, "police.hk")
    bad = ("from=2026-13-01", "from=2026-11-05&to=2026-11-01", "from=2020-01-01&to=2026-01-01")
    for query in (*bad, "unit=abc"):
        answer = await user.get(f"/reports?{query}")
        assert answer.status_code == 400, query


async def test_a_superscript_id_is_a_clear_400_not_a_500(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    """Review finding 9: "²" passed str.isdigit and broke int()."""
    from tests.police import steps

    owner = await steps.officer(app, "owner.hk")
    for path in ("/reports?establishment=²", "/receipts/day?establishment=²", "/reports?unit=²"):
        answer = await owner.get(path)
        assert answer.status_code < 500, path
