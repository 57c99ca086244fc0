"""Receipts as PDF (fpdf2), with a font that has every Vietnamese letter, shipped with
the code (``server/data/fonts``), so the PDF needs nothing installed on the machine."""

from __future__ import annotations

import io
from pathlib import Path

import segno
from fpdf import FPDF

from .. import codes, i18n, labels
from ..i18n import gettext
from .documents import Receipt

FONTS = Path(__file__).resolve().parent.parent / "data" / "fonts"


def _qr_png(data: str) -> io.BytesIO:
    out = io.BytesIO()
    segno.make(data, error="m").save(out, kind="png", scale=6, border=2)
    out.seek(0)
    return out


def render(receipt: Receipt) -> bytes:
    lang = i18n.get_locale()
    pdf = FPDF(format="A4")
    pdf.set_title(f"{gettext('Receipt')} {receipt.number}")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans-vi.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold-vi.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.epw

    def line(text: str, size: int = 10, bold: bool = False, height: float = 6) -> None:
        pdf.set_font("DejaVu", "B" if bold else "", size)
        pdf.multi_cell(width - 55, height, text, align="L", new_x="LMARGIN", new_y="NEXT")

    pdf.image(_qr_png(receipt.check_url), x=pdf.w - pdf.r_margin - 45, y=pdf.t_margin, w=45)
    est = receipt.establishment
    line(receipt.unit.name(lang).upper(), 11, bold=True)
    title = (
        gettext("Receipt of a temporary residence declaration")
        if receipt.kind == "R"
        else gettext("Receipt of the day's temporary residence declarations")
    )
    line(title, 15, bold=True, height=9)
    line(f"{gettext('Receipt number')}: {receipt.number}", 12, bold=True)
    if receipt.day is not None:
        line(f"{gettext('Day')}: {i18n.format_date(receipt.day)}")
    line(f"{gettext('Establishment')}: {est.name}")
    line(f"{gettext('Address')}: {est.street}, {est.ward.name}, {est.province.name}")
    line(f"{gettext('Issued')}: {i18n.format_datetime(receipt.issued_at)}")
    pdf.ln(4)
    pdf.set_y(max(pdf.get_y(), pdf.t_margin + 50))
    countries = codes.countries()
    widths = (32, 62, 30, 28, 38)
    headers = (
        gettext("Receipt number"), gettext("Full name"), gettext("Nationality"),
        gettext("Document"), gettext("Received"),
    )  # fmt: skip
    pdf.set_font("DejaVu", "B", 9)
    for w, text in zip(widths, headers, strict=True):
        pdf.cell(w, 7, text, border=1)
    pdf.ln()
    pdf.set_font("DejaVu", "", 9)
    for d in receipt.lines:
        country = countries.get(d.nationality)
        cells = (
            d.receipt_number,
            d.full_name or "—",
            country.name(lang) if country else d.nationality,
            d.document_number or "—",
            i18n.format_datetime(d.received_at, "short"),
        )
        for w, text in zip(widths, cells, strict=True):
            pdf.cell(w, 7, text[:40], border=1)
        pdf.ln()
        state = labels.review_state_label(d.review_state)
        pdf.set_font("DejaVu", "", 8)
        pdf.cell(sum(widths), 5, f"{gettext('State')}: {state}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
    if not receipt.lines:
        pdf.cell(sum(widths), 7, gettext("No declarations on this day."), border=1)
        pdf.ln()
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 7)
    pdf.multi_cell(
        width,
        4,
        align="L",
        text=gettext(
            "The QR code carries a signed copy of this receipt's key fields: scan it to check "
            "the receipt is genuine. Verification code:"
        )
        + " "
        + receipt.code,
    )
    return bytes(pdf.output())
