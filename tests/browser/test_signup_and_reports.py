"""In Chromium: a lodging business signs up (the ward list loads for the province
chosen), and the report page draws its charts without breaking the page's CSP."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from server import db
from server import settings as settings_module
from server.models import Declaration, ReviewState
from tests.browser.pwa_steps import SCREENSHOTS
from tests.browser.test_signin import sign_in
from tests.builders import DEMO_PASSWORD, declaration, run_async
from tests.live import LiveServer

pytestmark = pytest.mark.browser

NATIONALITIES = ["KOR"] * 9 + ["CHN"] * 6 + ["USA"] * 4 + ["JPN"] * 3 + ["FRA"] * 2 + [
    "AUS", "DEU", "GBR", "RUS", "THA", "SGP", "IND", "CAN",
]  # fmt: skip


def _desktop(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    return context.new_page()


def _errors(page: Page) -> list[str]:
    """Script errors and refusals by the Content-Security-Policy while the test runs
    (not the 4xx answers a refused form gets, which the console also lists)."""
    errors: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.on("console", keep)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_signing_up_loads_the_wards_of_the_chosen_province(
    browser: Browser, own_server: LiveServer
) -> None:
    page = _desktop(browser)
    errors = _errors(page)
    page.goto(f"{own_server.url}/login")
    page.locator("#signup-link a").click()
    expect(page.locator("h1")).to_have_text("Đăng ký cơ sở lưu trú")
    expect(page.locator("#show-wards")).to_be_hidden()  # the script loads wards instead
    page.locator("#f-name").fill("Homestay Biển Xanh")
    page.locator("#f-kind").select_option("homestay")
    page.locator("#f-licence_number").fill("4201234567")
    page.locator("#f-province").select_option(label="Thành phố Hà Nội")
    expect(page.locator("#f-ward option", has_text="Phường Hoàn Kiếm")).to_have_count(1)
    page.locator("#f-ward").select_option(label="Phường Hoàn Kiếm")
    page.locator("#f-street").fill("5 Hàng Mành")
    page.locator("#f-phone").fill("0243 123 456")
    page.locator("#f-representative_name").fill("Phạm Thị Lan")
    page.locator("#f-representative_birth_date").fill("1985-03-09")
    page.locator("#f-representative_phone").fill("0987 654 321")
    page.locator("#f-representative_document").fill("001185009876")
    page.locator("#f-username").fill("bienxanh")
    page.locator("#f-password").fill("bien-xanh-2026")
    page.locator("#f-password_confirm").fill("bien-xanh-2026")
    page.locator("#register").click()
    expect(page.locator("#e-accept_privacy")).to_be_visible()  # not accepted yet
    expect(page.locator("#f-name")).to_have_value("Homestay Biển Xanh")  # nothing lost
    page.locator("#f-password").fill("bien-xanh-2026")
    page.locator("#f-password_confirm").fill("bien-xanh-2026")
    page.locator("#f-accept_privacy").check()
    page.locator("#register").click()
    expect(page.locator("#registration-status")).to_contain_text("chờ công an phường")
    assert errors == []


async def _spread(database_url: str) -> None:
    """Spread the declarations over two weeks and decide some, as a ward would see."""
    await db.connect(settings_module.load({"DATABASE_URL": database_url, "TESTING": "1"}))
    try:
        rng = random.Random(7)
        now = datetime.now(UTC)
        for d in await Declaration.all():
            received = now - timedelta(days=rng.randint(0, 13), hours=rng.randint(0, 6))
            state = rng.choice(
                [ReviewState.CONFIRMED] * 3 + [ReviewState.NEW, ReviewState.RETURNED]
            )
            reviewed = (
                None if state == ReviewState.NEW else received + timedelta(hours=rng.randint(1, 30))
            )
            await Declaration.filter(id=d.id).update(
                received_at=received, arrived_at=received - timedelta(hours=rng.randint(0, 14)),
                review_state=state, reviewed_at=reviewed,
                flags=" late " if rng.random() < 0.15 else " ",
            )  # fmt: skip
    finally:
        await db.close()


def test_the_report_page_draws_its_charts(browser: Browser, own_server: LiveServer) -> None:
    with httpx.Client(base_url=own_server.url, timeout=30) as http:
        token = http.post(
            "/api/v1/auth/token", json={"username": "staff.hk", "password": DEMO_PASSWORD}
        ).json()["access_token"]
        items = [declaration(nationality=n) for n in NATIONALITIES * 2]
        answer = http.post(
            "/api/v1/declarations/batch",
            json={"declarations": items},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert all(r["result"] == "created" for r in answer.json()["results"])
    run_async(_spread(own_server.database_url))

    page = _desktop(browser)
    errors = _errors(page)
    sign_in(page, own_server, "police.hk")
    page.goto(f"{own_server.url}/reports")
    expect(page.locator("#total")).to_have_text(str(len(NATIONALITIES) * 2))
    expect(page.locator("svg.chart")).to_have_count(3)
    # The bars are drawn (CSS from our stylesheet, no inline style needed).
    bars = page.locator("svg.chart rect.bar")
    assert bars.count() > 20
    assert bars.first.evaluate("el => getComputedStyle(el).fill") != "rgb(0, 0, 0)"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "report-vi.png"), full_page=True)
    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert errors == []
