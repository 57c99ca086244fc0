"""The police's receipt checker in the field: opened once online, then with the server
stopped Chromium's fake camera shows a real receipt's QR code and the phone says
"genuine"; forged, changed and unknown-key codes are "not genuine"."""

from __future__ import annotations

import io
from pathlib import Path

import segno
from PIL import Image
from playwright.sync_api import Playwright, expect

from server.receipts.signing import Claim, Signer
from tests.browser.pwa_steps import declare_by_api
from tests.browser.test_scan import open_camera_phone
from tests.builders import declaration
from tests.live import LiveServer
from tests.scan.frames import y4m

GENUINE = "Thật: do hệ thống khai báo lưu trú ký."
NOT_GENUINE = "Không thật: mã này không do hệ thống ký, hoặc đã bị sửa."


def _receipt_code(server: LiveServer) -> str:
    (answer,) = declare_by_api(server, declaration(full_name="VERIFY ME"))
    code: str = answer["receipt_code"]
    return code


def _camera_showing(code: str, path: Path) -> Path:
    """A camera looking at the receipt's QR code on white paper, for a few frames."""
    qr = segno.make(code, error="m")
    out = io.BytesIO()
    qr.save(out, kind="png", scale=5, border=4)
    symbol = Image.open(io.BytesIO(out.getvalue())).convert("RGB")
    frame = Image.new("RGB", (640, 480), "white")
    frame.paste(symbol, ((640 - symbol.width) // 2, (480 - symbol.height) // 2))
    jpeg = io.BytesIO()
    frame.save(jpeg, format="JPEG", quality=92)
    y4m([jpeg.getvalue()] * 10, path, fps=10)
    return path


def test_a_receipt_is_checked_offline_with_the_camera(
    playwright_instance: Playwright, own_server: LiveServer, tmp_path: Path
) -> None:
    code = _receipt_code(own_server)
    context = open_camera_phone(playwright_instance, _camera_showing(code, tmp_path / "qr.y4m"))
    page = context.new_page()
    try:
        page.goto(f"{own_server.url}/police/verify/")
        page.wait_for_function("async () => !!(await navigator.serviceWorker.ready)")
        page.wait_for_function("() => localStorage.getItem('luutru-receipt-keys') !== null")
        page.wait_for_function(
            "async () => (await caches.keys()).length > 0 && "
            "!!(await caches.match('/static/verify/jsqr.js')) && "
            "!!(await caches.match('/static/verify/ed25519.js'))"
        )
        own_server.stop()
        page.reload()  # from the service worker
        expect(page.locator("h1")).to_have_text("Kiểm tra biên nhận")
        page.locator("#scan").click()
        verdict = page.locator("#verdict")
        expect(verdict).to_have_text(GENUINE, timeout=45_000)  # jsQR on a busy machine
        expect(page.locator("#claim")).to_contain_text(code.split("|")[3])  # the receipt no.
        expect(page.locator("#state")).to_contain_text("Không có mạng")

        def check(text: str) -> str:
            # The previous verdict goes first: waiting for "a verdict" must see the new one.
            page.evaluate(
                "() => { const v = document.querySelector('#verdict'); v.textContent = '';"
                " delete v.dataset.genuine; }"
            )
            page.locator("#code").fill(text)
            page.locator("#check-form button").click()
            page.wait_for_function("() => document.querySelector('#verdict').dataset.genuine")
            return str(verdict.get_attribute("data-genuine"))

        assert check(code) == "yes"
        text, _dot, signature = code.rpartition(".")
        parts = text.split("|")
        changed = "|".join([*parts[:-1], "9999"]) + "." + signature  # another document
        assert check(changed) == "no"
        flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
        assert check(f"{text}.{flipped}") == "no"  # a forged signature
        stranger = Signer(tmp_path / "stranger.pem")
        claim = Claim.parse(text)
        assert claim is not None
        assert check(stranger.sign(claim)) == "no"  # a key this system never had
        assert check("not a receipt at all") == "no"
        # A browser without WebCrypto's Ed25519 checks with @noble/ed25519 instead, offline.
        page.goto(f"{own_server.url}/police/verify/?ed25519=noble")
        assert check(code) == "yes"
        assert check(changed) == "no"
        assert page.locator("#verify").get_attribute("data-engine") == "noble"
    finally:
        context.close()
