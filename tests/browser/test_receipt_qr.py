"""A received guest's receipt on the phone with the server stopped: its number and its
signed QR code, drawn by the app from the code the server sent, readable by a scanner and
exactly the code the printed receipt carries."""

from __future__ import annotations

import io
from pathlib import Path

import zxingcpp
from PIL import Image
from playwright.sync_api import Playwright, expect

from tests.browser.conftest import open_app
from tests.browser.pwa_steps import (
    SYNC_DEADLINE_MS,
    declare_by_api,
    sign_in,
    wait_for_offline_shell,
)
from tests.builders import declaration
from tests.live import LiveServer

ENCODER_CACHED = """
async () => {
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    if (await cache.match(new URL("generated/uqr.js", location.href).href)) return true;
  }
  return false;
}
"""


def test_the_receipt_qr_is_drawn_offline(
    playwright_instance: Playwright, own_server: LiveServer, tmp_path: Path
) -> None:
    (answer,) = declare_by_api(own_server, declaration(full_name="NOWAK EWA", room="7"))
    code = answer["receipt_code"]
    assert code.startswith("LT2|")
    context, page = open_app(playwright_instance, tmp_path / "profile", own_server.url)
    try:
        sign_in(page, own_server.url, "staff.hk")
        wait_for_offline_shell(page)
        guest = page.locator("#guests a", has_text="NOWAK EWA")
        expect(guest).to_be_visible(timeout=SYNC_DEADLINE_MS)
        page.wait_for_function(ENCODER_CACHED, timeout=20_000)  # fetched once active
        # Online, the server's PDFs: one guest's receipt, and the day's.
        guest.click()
        with page.expect_download() as one:
            page.locator("#receipt-pdf").click()
        assert Path(one.value.path()).read_bytes()[:5] == b"%PDF-"
        page.goto(f"{own_server.url}/app/#/")
        page.locator("#view-today").click()
        with page.expect_download() as day:
            page.locator("#day-pdf").click()
        assert Path(day.value.path()).read_bytes()[:5] == b"%PDF-"
        own_server.stop()
        page.reload()
        page.locator("#guests a", has_text="NOWAK EWA").click()
        expect(page.locator("#receipt-box .receipt")).to_have_text(answer["receipt_number"])
        canvas = page.locator("#receipt-qr canvas")
        expect(canvas).to_be_visible()
        shot = Image.open(io.BytesIO(canvas.screenshot()))
        page.locator("#receipt-pdf").click()  # offline: said, not failed silently
        expect(page.locator(".toast")).to_contain_text("cần có mạng")
    finally:
        context.close()
    # QR codes only: a 1D reader can "see" a short barcode in a QR's modules.
    found = zxingcpp.read_barcodes(
        shot, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    assert [b.text for b in found] == [code]
