"""Rating the police's decision from the app: chosen offline, saved on the phone, sent
once when the server is back; then the guest's page says it was rated."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Playwright, expect
from tortoise import Tortoise

from server import db
from server import settings as settings_module
from server.declarations import review
from server.models import Declaration, User
from tests.browser.conftest import open_app
from tests.browser.pwa_steps import (
    SYNC_DEADLINE_MS,
    declare_by_api,
    sign_in,
    wait_for_offline_shell,
)
from tests.builders import declaration, run_async
from tests.live import LiveServer
from tests.outage.storm import database_rows


async def _confirm(database_url: str, full_name: str) -> None:
    """The ward officer confirms the declaration."""
    await db.connect(settings_module.load({"DATABASE_URL": database_url, "TESTING": "1"}))
    try:
        officer = await User.get(username="police.hk").select_related("police_unit")
        record = await Declaration.get(full_name=full_name)
        await review.decide(str(record.id), "confirm", user=officer)
    finally:
        await Tortoise.close_connections()


def test_a_rating_chosen_offline_is_sent_once(
    playwright_instance: Playwright, own_server: LiveServer, tmp_path: Path
) -> None:
    declare_by_api(own_server, declaration(full_name="KOWALSKI PIOTR", room="12"))
    run_async(_confirm(own_server.database_url, "KOWALSKI PIOTR"))
    context, page = open_app(playwright_instance, tmp_path / "profile", own_server.url)
    try:
        sign_in(page, own_server.url, "staff.hk")
        wait_for_offline_shell(page)
        guest = page.locator("#guests a", has_text="KOWALSKI PIOTR")
        expect(guest).to_contain_text("Công an đã xác nhận", timeout=SYNC_DEADLINE_MS)
        own_server.stop()
        guest.click()
        expect(page.locator("#rating")).to_be_visible()
        expect(page.locator("#send-rating")).to_be_disabled()
        page.locator('[data-stars="4"]').click()
        page.locator("#rating-comment").fill("Nhanh, rõ ràng")
        page.locator("#send-rating").click()
        expect(page.locator("#unsent-count")).to_have_text("Chưa gửi: 1")
        guest.click()
        expect(page.locator("#rating-pending")).to_be_visible()
        own_server.start()
        page.locator("#sync-now").click()
        expect(page.locator("#unsent-count")).to_have_text("Chưa gửi: 0", timeout=SYNC_DEADLINE_MS)
        page.goto(f"{own_server.url}/app/#/")
        page.locator("#guests a", has_text="KOWALSKI PIOTR").click()
        expect(page.locator("#rated")).to_be_visible()
    finally:
        context.close()
    rows = database_rows(own_server.database_url, "SELECT rating, comment FROM feedback")
    assert [tuple(r) for r in rows] == [(4, "Nhanh, rõ ràng")]
