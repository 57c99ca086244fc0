"""Hostile spreadsheets and CSV files (review findings 3 and 9): small files that inflate
or unfold into huge work are refused with a clear, translated 422 before they are opened,
broken ones never give a 500, and parsing never holds up other requests."""

from __future__ import annotations

import asyncio
import io
import itertools
import re
import time
import zipfile

import httpx

from server.declarations import bulk
from tests.builders import csrf, web_login

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SMALL_SHEET = (
    f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    "</sheetData></worksheet>"
)


def workbook(
    sheet: str, shared: str = f"<sst {NS}></sst>", method: int = zipfile.ZIP_DEFLATED
) -> bytes:
    """A real .xlsx from openpyxl with its sheet and shared strings replaced."""
    from openpyxl import Workbook

    book = Workbook()
    assert book.active is not None
    book.active.append(["x"])
    base = io.BytesIO()
    book.save(base)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(base) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for member in source.infolist():
            if member.filename == "xl/sharedStrings.xml":
                archive.writestr(member.filename, shared, compress_type=method)
            elif member.filename == "xl/worksheets/sheet1.xml":
                archive.writestr(member.filename, sheet, compress_type=method)
            else:
                archive.writestr(member.filename, source.read(member.filename))
        if "xl/sharedStrings.xml" not in source.namelist():
            archive.writestr("xl/sharedStrings.xml", shared, compress_type=method)
    return out.getvalue()


async def upload(client: httpx.AsyncClient, name: str, data: bytes) -> httpx.Response:
    token = await csrf(client, "/hotel/upload")
    return await client.post(
        "/hotel/upload", data={"csrf_token": token}, files={"file": (name, data)}
    )


def message(response: httpx.Response) -> str:
    found = re.search(r'<p class="error"[^>]*>([^<]+)<', response.text) or re.search(
        r'role="alert"[^>]*>\s*([^<]+)<', response.text
    )
    return found.group(1).strip() if found else response.text[:300]


async def test_a_shared_strings_bomb_is_refused_before_it_is_opened(
    client: httpx.AsyncClient,
) -> None:
    """250,000 tiny strings: 16 KB zipped, 4.5 MB inflated; it took 6.6 s and stalled everyone."""
    shared = (
        f'<sst {NS} count="250000" uniqueCount="250000">' + "<si><t>a</t></si>" * 250_000 + "</sst>"
    )
    data = workbook(SMALL_SHEET, shared)
    assert len(data) < 64 * 1024
    await web_login(client, "owner.hk")
    started = time.perf_counter()
    refused = await upload(client, "bomb.xlsx", data)
    assert refused.status_code == 422
    assert "chứa nhiều chữ hơn hẳn một mẫu đã điền" in refused.text  # translated, clear
    assert time.perf_counter() - started < 5  # refused on sight, not after parsing


async def test_a_sheet_claiming_a_million_rows_is_refused(client: httpx.AsyncClient) -> None:
    sheet = (
        f'<worksheet {NS}><dimension ref="A1:XFD1048576"/><sheetData>'
        '<row r="1048576"><c r="A1048576" t="s"><v>0</v></c></row></sheetData></worksheet>'
    )
    await web_login(client, "owner.hk")
    refused = await upload(client, "tall.xlsx", workbook(sheet))
    assert refused.status_code == 422


async def test_a_part_inflating_past_the_bound_is_refused(client: httpx.AsyncClient) -> None:
    sheet = (
        f"<worksheet {NS}><sheetData>"
        + " " * (bulk.MAX_MEMBER_INFLATED + 1)
        + "</sheetData></worksheet>"
    )
    data = workbook(sheet)
    assert len(data) < bulk.MAX_BYTES
    await web_login(client, "owner.hk")
    assert (await upload(client, "deep.xlsx", data)).status_code == 422


async def test_broken_workbooks_get_a_clear_answer_not_a_500(client: httpx.AsyncClient) -> None:
    """Encrypted members, unknown compression and corrupt deflate data used to answer 500."""
    await web_login(client, "owner.hk")
    good = workbook(SMALL_SHEET)
    # Unknown compression (bzip2 is not what a spreadsheet uses).
    odd = workbook(SMALL_SHEET, method=zipfile.ZIP_BZIP2)
    # An "encrypted" flag on a member.
    encrypted = bytearray(good)
    at = encrypted.find(b"PK\x03\x04")
    encrypted[at + 6] |= 0x1
    central = encrypted.find(b"PK\x01\x02")
    while central != -1:
        encrypted[central + 8] |= 0x1
        central = encrypted.find(b"PK\x01\x02", central + 4)
    # Corrupt deflate data in the sheet.
    corrupt = bytearray(good)
    sheet_at = corrupt.find(b"xl/worksheets/sheet1.xml")
    for i in range(sheet_at + 40, sheet_at + 60):
        corrupt[i] ^= 0x5A
    for name, data in (
        ("odd.xlsx", odd),
        ("enc.xlsx", bytes(encrypted)),
        ("bad.xlsx", bytes(corrupt)),
    ):
        answer = await upload(client, name, data)
        assert answer.status_code == 422, name


async def test_a_huge_csv_field_is_refused_clearly(client: httpx.AsyncClient) -> None:
    await web_login(client, "owner.hk")
    table = ",".join(bulk.header("en")) + "\n" + "x" * (200 * 1024) + "\n"
    answer = await upload(client, "big.csv", table.encode())
    assert answer.status_code == 422


def heavy_workbook() -> bytes:
    """A legitimate, full-sized file: 1,000 rows of every column, long strings."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(bulk.header("en"))
    for n in range(bulk.MAX_ROWS):
        sheet.append([f"row {n} " + "LONG TEXT " * 3 for _ in bulk.COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_health_answers_while_a_big_file_is_parsed(client: httpx.AsyncClient) -> None:
    """The parse runs in a worker thread: /healthz keeps answering meanwhile. Measured as a
    ratio in the same run: the longest wait between two health answers must be well under
    the upload's own time (on the event loop, it was the whole parse)."""
    await web_login(client, "owner.hk")
    data = heavy_workbook()
    token = await csrf(client, "/hotel/upload")
    started = time.perf_counter()
    task = asyncio.create_task(
        client.post("/hotel/upload", data={"csrf_token": token}, files={"file": ("big.xlsx", data)})
    )
    answered: list[float] = [started]
    while not task.done():
        health = await client.get("/healthz")
        assert health.status_code == 200
        answered.append(time.perf_counter())
    answer = await task
    took = time.perf_counter() - started
    assert answer.status_code in (200, 422)
    gaps = [b - a for a, b in itertools.pairwise(answered)]
    assert len(gaps) >= 3, gaps
    assert max(gaps) < took / 2, (max(gaps), took)
