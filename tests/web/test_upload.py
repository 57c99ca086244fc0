"""Bulk upload of CSV and Excel files: same checks, per-row results, no double storing."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date, datetime

import httpx
from openpyxl import Workbook, load_workbook

from server.declarations import bulk
from server.models import Declaration
from tests.builders import csrf, declaration, web_login


def _rows(*items: dict[str, object], row_ids: list[str]) -> list[list[str]]:
    codes = [c.code for c in bulk.COLUMNS]
    table = [bulk.header("en")]
    for row_id, item in zip(row_ids, items, strict=True):
        values = {**item, bulk.ROW_ID: row_id}
        table.append([str(values.get(code, "") or "") for code in codes])
    return table


def _csv(table: list[list[str]], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(table)
    return ("\ufeff" + out.getvalue()).encode()


def _xlsx(table: Sequence[Sequence[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in table:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _upload(client: httpx.AsyncClient, name: str, data: bytes) -> httpx.Response:
    token = await csrf(client, "/hotel/upload")
    return await client.post(
        "/hotel/upload", data={"csrf_token": token}, files={"file": (name, data)}
    )


async def test_csv_upload_declares_valid_rows_and_explains_the_others(
    client: httpx.AsyncClient,
) -> None:
    await web_login(client, "staff.hk")
    good = declaration()
    bad = declaration(date_of_birth="2999-01-01")
    table = _rows(good, bad, row_ids=["A1", "A2"])
    response = await _upload(client, "guests.csv", _csv(table, ";"))
    assert response.status_code == 200, response.text
    assert "The date of birth is in the future." not in response.text  # shown in Vietnamese
    assert "Ngày sinh ở tương lai." in response.text
    assert await Declaration.all().count() == 1
    stored = await Declaration.get(document_number=good["document_number"])
    assert stored.received_at is not None
    assert re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}", response.text)
    # The same file again: nothing is stored twice.
    again = await _upload(client, "guests.csv", _csv(table, ";"))
    assert "Đã khai báo trước đó" in again.text
    assert await Declaration.all().count() == 1


async def test_xlsx_upload_with_dates_as_excel_cells(client: httpx.AsyncClient) -> None:
    await web_login(client, "owner.hk")
    item = declaration()
    table: list[list[object]] = [list(row) for row in _rows(item, row_ids=["7"])]
    codes = [c.code for c in bulk.COLUMNS]
    # Dates typed into Excel arrive as date and datetime cells, numbers as numbers.
    arrived = datetime.fromisoformat(str(item["arrived_at"])).replace(tzinfo=None, microsecond=0)
    table[1][codes.index("arrived_at")] = arrived
    table[1][codes.index("expected_departure")] = date.fromisoformat(
        str(item["expected_departure"])
    )
    table[1][codes.index("room")] = 301
    response = await _upload(client, "guests.xlsx", _xlsx(table))
    assert response.status_code == 200
    stored = await Declaration.get(document_number=item["document_number"])
    assert stored.room == "301"
    sent = datetime.fromisoformat(str(item["arrived_at"]))
    assert stored.arrived_at == sent.replace(second=0, microsecond=0)  # minutes, as typed


async def test_templates_in_both_languages_round_trip(client: httpx.AsyncClient) -> None:
    await web_login(client, "staff.hk")
    vi = await client.get("/hotel/upload/template.csv?lang=vi")
    assert vi.status_code == 200 and "Họ và tên (full_name)" in vi.content.decode("utf-8-sig")
    en = await client.get("/hotel/upload/template.xlsx?lang=en")
    sheet = load_workbook(io.BytesIO(en.content)).active
    assert sheet is not None
    assert sheet["B1"].value == "Full name (full_name)"
    assert (await client.get("/hotel/upload/template.exe")).status_code == 404


async def test_a_file_that_is_not_a_template_is_refused_clearly(client: httpx.AsyncClient) -> None:
    await web_login(client, "staff.hk")
    for name, data, text in (
        ("x.csv", b"", "Tệp trống."),
        ("x.csv", b"name,age\nA,1\n", "tải bản mẫu"),
        ("x.xlsx", b"PK\x03\x04 not really", "Không đọc được tệp Excel này."),
        ("x.csv", "Họ".encode("utf-16"), "UTF-8"),
    ):
        response = await _upload(client, name, data)
        assert response.status_code == 422, name
        assert text in response.text, name
    assert await Declaration.all().count() == 0


async def test_police_cannot_upload_and_upload_needs_csrf(client: httpx.AsyncClient) -> None:
    await web_login(client, "police.hk")
    assert (await client.get("/hotel/upload")).status_code == 403
    client.cookies.clear()
    await web_login(client, "staff.hk")
    response = await client.post("/hotel/upload", files={"file": ("a.csv", b"x")})
    assert response.status_code == 403
