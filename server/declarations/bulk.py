"""Bulk upload: a CSV or Excel (.xlsx) file of guests → declaration items.

The template has one column per field; its header reads "Họ và tên (full_name)" or
"Full name (full_name)" depending on the language, and only the code in brackets matters
when reading. Each row carries a row id chosen by the establishment (any text up to 36
characters, unique in the establishment); the record id is derived from it, so uploading
the same file twice stores nothing twice, exactly like a resent API batch.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zipfile import ZIP_DEFLATED, ZIP_STORED, BadZipFile, ZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ..i18n import N_, gettext, translate
from . import fields

MAX_ROWS = 1000
MAX_BYTES = 2 * 1024 * 1024
# What a template-shaped workbook of MAX_ROWS rows can need, with room to spare; a file
# beyond these is a bomb or not ours, refused before openpyxl opens it.
MAX_MEMBERS = 64
MAX_MEMBER_INFLATED = 12 * 1024 * 1024
MAX_INFLATED = 24 * 1024 * 1024
MAX_CSV_FIELD = 4096
ROW_ID = "row_id"


@dataclass(frozen=True)
class Column:
    code: str
    label: str  # translatable (N_)
    example: str


def _example(f: fields.Field) -> str:
    """The template's example row: values as a person types them in a sheet."""
    if f.example is None:
        return ""
    if f.kind == "bool":
        return "x" if f.example else ""
    if f.kind == "moment":
        return datetime.fromisoformat(f.example).strftime("%Y-%m-%d %H:%M")
    return str(f.example)


# The row id first, then the table's fields that have a spreadsheet column.
COLUMNS: tuple[Column, ...] = (
    Column(ROW_ID, N_("Row id"), "1"),
    *(Column(f.name, f.column, _example(f)) for f in fields.IN_SHEET),
)
_CODE_IN_HEADER = re.compile(r"\(([a-z_]+)\)\s*$")
_TRUE = {"1", "true", "yes", "y", "x", "có", "co", "c"}
_FALSE = {"", "0", "false", "no", "n", "không", "khong", "k"}


class UploadError(Exception):
    """The file as a whole cannot be read; ``code`` is stable, the message translated."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.params = params

    def render(self) -> str:
        return gettext(self.message, **self.params)

    def __reduce__(self) -> tuple[Any, ...]:
        # Raised in a worker process (server/offload.py): it must cross back whole.
        return (_upload_error, (self.code, self.message, self.params))


def _upload_error(code: str, message: str, params: dict[str, Any]) -> UploadError:
    return UploadError(code, message, **params)


@dataclass
class Row:
    number: int  # as the spreadsheet shows it (the header is row 1)
    row_id: str
    item: dict[str, Any]


def record_id(establishment_id: int, row_id: str) -> str:
    """The same row id in the same establishment always names the same record."""
    namespace = uuid.UUID("6d1f8a52-3c4b-5e6f-8a9b-0c1d2e3f4a5b")
    return str(uuid.uuid5(namespace, f"{establishment_id}:{row_id}"))


def header(lang: str) -> list[str]:
    """The header row in ``lang``: only the code in brackets matters when reading."""
    return [f"{translate(lang, c.label)} ({c.code})" for c in COLUMNS]


def template_csv(lang: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header(lang))
    writer.writerow([c.example for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def template_xlsx(lang: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = translate(lang, N_("Declarations"))
    sheet.append(header(lang))
    sheet.append([c.example for c in COLUMNS])
    for cells in sheet.iter_cols(min_row=1, max_row=1):
        sheet.column_dimensions[cells[0].column_letter].width = max(14, len(str(cells[0].value)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.isoformat(sep=" ", timespec="minutes")
            if value.time() != time()
            else (value.date().isoformat())
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows_from_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError("encoding", N_("Save the CSV file as UTF-8.")) from None
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = []
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            if any(len(cell) > MAX_CSV_FIELD for cell in row):
                raise UploadError(
                    "field_too_long",
                    N_("A cell holds more than %(max)s characters."),
                    max=MAX_CSV_FIELD,
                )
            rows.append([cell.strip() for cell in row])
            if len(rows) > MAX_ROWS + 1:
                raise UploadError(
                    "too_many_rows", N_("At most %(max)s rows per file."), max=MAX_ROWS
                )
    except csv.Error:  # a field past the csv module's own limit, a stray NUL …
        raise UploadError("unreadable_csv", N_("This CSV file cannot be read.")) from None
    return rows


def _check_zip(data: bytes) -> None:
    """Refuse a workbook whose parts would inflate beyond what the template can need, or
    that openpyxl could not read safely (encrypted or unusual compression), before it is
    opened. zipfile never inflates a part past its declared size, so these bounds hold."""
    bomb = UploadError(
        "too_big_inside",
        N_("This Excel file is far larger inside than a filled-in template can be."),
    )
    try:
        with ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise bomb
            total = 0
            for member in members:
                if member.flag_bits & 0x1 or member.compress_type not in (ZIP_STORED, ZIP_DEFLATED):
                    raise UploadError("unreadable", N_("This Excel file cannot be read."))
                total += member.file_size
                if member.file_size > MAX_MEMBER_INFLATED or total > MAX_INFLATED:
                    raise bomb
                if member.filename.endswith("sharedStrings.xml"):
                    _check_shared_strings(archive, member.filename)
                elif member.filename.startswith("xl/worksheets/"):
                    _check_dimension(archive, member.filename)
    except (BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError,
            ValueError):  # fmt: skip
        raise UploadError("unreadable", N_("This Excel file cannot be read.")) from None


_SI = re.compile(rb"<(?:\w+:)?si[\s>/]")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:([A-Z]+)(\d+)"')


def _check_shared_strings(archive: ZipFile, name: str) -> None:
    """No more distinct strings than MAX_ROWS rows of the template's columns can hold."""
    limit = (MAX_ROWS + 2) * (len(COLUMNS) + 2)
    count = 0
    tail = b""
    with archive.open(name) as part:
        while chunk := part.read(256 * 1024):
            window = tail + chunk
            count += len(_SI.findall(window)) - len(_SI.findall(tail))
            tail = window[-16:]
            if count > limit:
                raise UploadError(
                    "too_many_strings",
                    N_("This Excel file holds far more text than a filled-in template can."),
                )


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _check_dimension(archive: ZipFile, name: str) -> None:
    """A sheet that says it spans more rows or columns than the template is refused: a
    reader sizes its work by it."""
    with archive.open(name) as part:
        head = part.read(4096)
    found = _DIMENSION.search(head)
    if found and (
        _column_number(found.group(1)) > len(COLUMNS) + 20 or int(found.group(2)) > MAX_ROWS + 50
    ):
        raise UploadError("too_many_rows", N_("At most %(max)s rows per file."), max=MAX_ROWS)


def _rows_from_xlsx(data: bytes) -> list[list[str]]:
    _check_zip(data)
    rows: list[list[str]] = []
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            for values in sheet.iter_rows(max_col=len(COLUMNS) + 20, values_only=True):
                rows.append([_cell(v) for v in values])
                if len(rows) > MAX_ROWS + 1:
                    break
        finally:
            book.close()
    # A hostile or broken file can fail in many ways inside zipfile, XML and openpyxl;
    # each means the same to the user: this file cannot be read.
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError, IndexError,
            TypeError, AttributeError, SyntaxError, RuntimeError, NotImplementedError,
            EOFError, zlib.error):  # fmt: skip
        raise UploadError("unreadable", N_("This Excel file cannot be read.")) from None
    return rows


def parse(filename: str, data: bytes, establishment_id: int, declared_at: str) -> list[Row]:
    """Rows of a template-shaped file as declaration items (checked later, as in the API)."""
    if len(data) > MAX_BYTES:
        raise UploadError("too_large", N_("The file is larger than 2 MB."))
    is_xlsx = filename.lower().endswith(".xlsx") or data[:2] == b"PK"
    table = _rows_from_xlsx(data) if is_xlsx else _rows_from_csv(data)
    while table and not any(table[-1]):
        table.pop()
    if not table:
        raise UploadError("empty", N_("The file is empty."))
    codes = []
    known = {c.code for c in COLUMNS}
    for title in table[0]:
        match = _CODE_IN_HEADER.search(title)
        code = match.group(1) if match else title.strip().lower()
        codes.append(code if code in known else None)
    if ROW_ID not in codes or "full_name" not in codes:
        raise UploadError(
            "header", N_("The first row must be the template's header: download the template.")
        )
    body = table[1:]
    if len(body) > MAX_ROWS:
        raise UploadError("too_many_rows", N_("At most %(max)s rows per file."), max=MAX_ROWS)
    rows = []
    for offset, cells in enumerate(body, start=2):
        if not any(cells):
            continue
        raw = {code: cells[i] if i < len(cells) else "" for i, code in enumerate(codes) if code}
        row_id = raw.pop(ROW_ID, "")
        item: dict[str, Any] = {k: v for k, v in raw.items() if v != ""}
        item["declared_at"] = declared_at
        if row_id:
            item["id"] = record_id(establishment_id, row_id[:36])
        if "guardian_id" in item:
            item["guardian_id"] = record_id(establishment_id, str(item["guardian_id"])[:36])
        if "party_leader" in item:
            flag = str(item["party_leader"]).strip().lower()
            item["party_leader"] = True if flag in _TRUE else False if flag in _FALSE else flag
        if "arrived_at" in item:
            item["arrived_at"] = str(item["arrived_at"]).replace(" ", "T", 1)
        rows.append(Row(number=offset, row_id=row_id, item=item))
    return rows
