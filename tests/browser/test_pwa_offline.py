"""The hotel app through a real outage: the server process is stopped, the phone keeps
working, the browser is closed and reopened, the server comes back and every entry
reaches it exactly once; a refused entry comes back with its field message; a police
decision shows up in the app. Screenshots for the README, in both languages."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Playwright, expect

from tests.browser.conftest import open_app
from tests.browser.pwa_steps import (
    RECEIPT,
    SWEDISH_MRZ,
    SYNC_DEADLINE_MS,
    Guest,
    declare,
    return_for_correction,
    screenshot,
    sign_in,
    wait_for_offline_shell,
)
from tests.builders import DEMO_PASSWORD, run_async
from tests.live import LiveServer

pytestmark = pytest.mark.browser


def _server_copies(base_url: str) -> dict[str, int]:
    """How many declarations of each name the server holds (through the API)."""
    with httpx.Client(base_url=base_url) as http:
        token = http.post(
            "/api/v1/auth/token", json={"username": "owner.hk", "password": DEMO_PASSWORD}
        ).json()["access_token"]
        rows = http.get(
            "/api/v1/declarations?limit=500", headers={"Authorization": f"Bearer {token}"}
        ).json()["declarations"]
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["full_name"]] = counts.get(row["full_name"], 0) + 1
    return counts


PARTY = [
    Guest("ERIKSSON ANNA MARIA", "L898902C3"),  # read from the MRZ
    Guest("ERIKSSON LARS", "L77777771", sex="M", born="03/02/1972"),
    Guest("ERIKSSON ELSA", "L55555551", born="2015", relationship="parent"),
]
ALREADY_IN = Guest("MÜLLER HANS PETER", "C01X00T47", sex="M", born="1985",
                   nationality_search="duc", nationality="DEU", room="305")  # fmt: skip


def test_declarations_made_during_an_outage_reach_the_server_exactly_once(
    playwright_instance: Playwright, own_server: LiveServer, tmp_path: Path
) -> None:
    server = own_server
    profile = tmp_path / "phone-profile"

    # 1. First visit, online: sign in; the service worker takes the app shell.
    context, page = open_app(playwright_instance, profile, server.url)
    sign_in(page, server.url, "staff.hk")
    expect(page.locator("#title")).to_have_text("Khách sạn Hồ Gươm (demo)")
    wait_for_offline_shell(page)
    # A guest declared online, still in house: the server will refuse a second stay.
    declare(page, ALREADY_IN)
    expect(page.locator("#record-list")).to_contain_text(ALREADY_IN.full_name)
    expect(page.locator("#record-list .receipt")).to_have_count(1)

    # 2. A real outage: the server process stops.
    server.stop()
    page.reload()
    expect(page.locator("#title")).to_have_text("Khách sạn Hồ Gươm (demo)")
    expect(page.locator("#new-guest")).to_be_visible()

    # 3. A family of three, the first read from the passport's MRZ, the others quickly.
    declare(page, PARTY[0], another=True, mrz=SWEDISH_MRZ)
    expect(page.locator("#f-room")).to_have_value("301")  # copied from the party
    declare(page, PARTY[1], another=True)
    declare(page, PARTY[2])
    # ... and, by mistake, the guest who is already checked in (only the server knows).
    declare(page, ALREADY_IN)
    expect(page.locator("#unsent-count")).to_have_text("Chưa gửi: 4")
    expect(page.locator("#sync-line")).to_contain_text("Không kết nối được máy chủ")
    screenshot(page, "pwa-offline-vi")

    # 4. The browser is closed and reopened, still offline: nothing is lost.
    context.close()
    context, page = open_app(playwright_instance, profile, server.url)
    expect(page.locator("#unsent-count")).to_have_text("Chưa gửi: 4")
    for guest in PARTY:
        expect(page.locator("#unsent-list")).to_contain_text(guest.full_name)

    # 5. The server comes back: the app notices by itself and delivers everything.
    server.start()
    record_list = page.locator("#guests")  # returned ones are listed first, on their own
    for guest in PARTY:
        expect(record_list.locator("a", has_text=guest.full_name).locator(".receipt")).to_have_text(
            RECEIPT, timeout=SYNC_DEADLINE_MS
        )
    expect(page.locator("#unsent-count")).to_have_text("Chưa gửi: 1")
    assert _server_copies(server.url) == {
        ALREADY_IN.full_name: 1,
        **{guest.full_name: 1 for guest in PARTY},
    }

    # 6. The refused entry stays on the phone, with the server's message at its field.
    refused = page.locator("#unsent-list a")
    expect(refused).to_contain_text("Cần sửa")
    refused.click()
    page.locator("#edit").click()
    expect(page.locator("#m-document_number")).to_contain_text("vẫn đang lưu trú")
    page.locator("#form-back").click()

    # 7. A police decision shows up in the app.
    run_async(return_for_correction(server.database_url, "ERIKSSON LARS", "Số thị thực mờ"))
    page.locator("#sync-now").click()
    lars = record_list.locator("a", has_text="ERIKSSON LARS")
    expect(lars).to_contain_text("Trả lại để sửa", timeout=SYNC_DEADLINE_MS)
    screenshot(page, "pwa-list-vi")
    lars.click()
    expect(page.locator("#police-reason")).to_contain_text("Số thị thực mờ")
    screenshot(page, "pwa-returned-vi")

    # 8. The same screens in English.
    page.locator("#lang").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#police-reason")).to_contain_text("Police reason")
    screenshot(page, "pwa-returned-en")
    page.goto(f"{server.url}/app/#/")
    expect(page.locator("#unsent-count")).to_have_text("Unsent: 1")
    screenshot(page, "pwa-list-en")
    page.locator("#new-guest").click()
    page.locator("#f-mrz").fill(SWEDISH_MRZ)
    page.locator('[data-field="mrz"] button').click()
    page.locator("#save").click()
    # Sweden is visa-exempt: no visa is asked for, only what a scan cannot know.
    expect(page.locator("#entry-hint")).to_contain_text("Visa-exempt for 45 days")
    expect(page.locator("#m-expected_departure")).to_have_text("This field is required.")
    screenshot(page, "pwa-form-en")
    context.close()
