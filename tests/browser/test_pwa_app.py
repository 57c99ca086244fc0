"""The hotel app's promises besides the outage: a new version never replaces the code
under a half-filled form; a sign-in the server no longer accepts keeps every entry; a
sign-out with unsent entries warns and keeps them; an unsent entry near its legal
deadline raises a warning."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Playwright, expect

from tests.browser.conftest import open_app
from tests.browser.pwa_steps import (
    RECEIPT,
    SYNC_DEADLINE_MS,
    VIETNAM,
    Guest,
    declare,
    fill_guest,
    return_for_correction,
    sign_in,
    wait_for_offline_shell,
)
from tests.builders import DEMO_PASSWORD, run_async
from tests.live import LiveServer

pytestmark = pytest.mark.browser


def test_a_new_version_is_offered_not_forced(
    playwright_instance: Playwright, own_server: LiveServer, tmp_path: Path
) -> None:
    own_server.stop()
    own_server.start(APP_BUILD="release-1")
    context, page = open_app(playwright_instance, tmp_path / "profile", own_server.url)
    sign_in(page, own_server.url, "staff.hk")
    wait_for_offline_shell(page)
    first = page.evaluate("fetch('sw.js').then((r) => r.headers.get('x-app-version'))")
    page.locator("#new-guest").click()
    page.locator("#f-full_name").fill("HALF FILLED")

    own_server.stop()
    own_server.start(APP_BUILD="release-2")
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    banner = page.locator("#update-banner")
    expect(banner).to_be_visible(timeout=15_000)
    # Nothing was swapped under the receptionist: the form and its text are still there.
    expect(page.locator("#f-full_name")).to_have_value("HALF FILLED")
    banner.get_by_role("button").click()  # the receptionist's choice
    expect(page.locator("#update-banner")).to_have_count(0)
    expect(page.locator("#f-full_name")).to_have_value("")  # a fresh page of the new version
    second = page.evaluate(
        """() => new Promise((resolve) => {
            const channel = new MessageChannel();
            channel.port1.onmessage = (event) => resolve(event.data);
            navigator.serviceWorker.controller.postMessage({type: "version"}, [channel.port2]);
        })"""
    )
    assert second != first
    assert second == page.evaluate("fetch('sw.js').then((r) => r.headers.get('x-app-version'))")
    context.close()


def _revoke_app_tokens(base_url: str, username: str) -> None:
    """What an owner does after a phone is lost: the app's token stops working at once."""
    with httpx.Client(base_url=base_url) as http:
        token = http.post(
            "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for row in http.get("/api/v1/auth/tokens", headers=headers).json()["tokens"]:
            if row["name"] == "PWA" and not row["revoked_at"]:
                http.delete(f"/api/v1/auth/tokens/{row['id']}", headers=headers)


def test_a_refused_sign_in_keeps_the_entries_and_asks_to_sign_in_again(
    playwright_instance: Playwright, own_server: LiveServer, tmp_path: Path
) -> None:
    context, page = open_app(playwright_instance, tmp_path / "profile", own_server.url)
    sign_in(page, own_server.url, "staff.hk")
    _revoke_app_tokens(own_server.url, "staff.hk")
    declare(page, Guest("NGUYEN ANNA", "P1234567", nationality_search="aus", nationality="AUS"))
    expect(page.locator("#sync-line")).to_have_text(
        "Phiên đăng nhập đã hết: hãy đăng nhập lại để gửi.", timeout=SYNC_DEADLINE_MS
    )
    expect(page.locator("#unsent-count")).to_have_text("Chưa gửi: 1")
    page.locator("#status button").click()
    expect(page.locator("#username")).to_have_value("staff.hk")
    page.locator("#password").fill(DEMO_PASSWORD)
    # A background sync ending meanwhile (the service worker tells the page) leaves the
    # form as it is: the password being typed is not replaced by the list.
    with context.expect_event("response", lambda r: "/declarations/batch" in r.url):
        page.evaluate("navigator.serviceWorker.ready.then((r) => r.sync.register('outbox'))")
    page.evaluate("new Promise((done) => setTimeout(done, 500))")  # the page's redraw
    expect(page.locator("#password")).to_have_value(DEMO_PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.locator("#record-list .receipt")).to_have_text(RECEIPT, timeout=SYNC_DEADLINE_MS)
    expect(page.locator("#unsent-count")).to_have_text("Chưa gửi: 0")
    context.close()


def test_signing_out_with_unsent_entries_warns_and_keeps_them(
    playwright_instance: Playwright, own_server: LiveServer, tmp_path: Path
) -> None:
    context, page = open_app(playwright_instance, tmp_path / "profile", own_server.url)
    sign_in(page, own_server.url, "staff.hk")
    wait_for_offline_shell(page)
    own_server.stop()

    # Arrived eleven hours ago and still not sent: the legal deadline is near.
    page.locator("#new-guest").click()
    late = Guest("SMITH JOHN", "X7654321", sex="M", nationality_search="úc", nationality="AUS")
    fill_guest(page, late, first_of_party=True)
    arrived = datetime.now(VIETNAM) - timedelta(hours=11)
    page.locator("#f-arrived_at").fill(arrived.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#save").click()
    expect(page.locator("#deadline-warning")).to_be_visible()
    expect(page.locator("#unsent-list .deadline")).to_contain_text("Gửi trước")

    page.locator("#signout").click()
    expect(page.locator("dialog")).to_contain_text("1 khai báo chưa được gửi")
    page.locator("#dialog-no").click()
    expect(page.locator("#unsent-count")).to_have_text("Chưa gửi: 1")
    page.locator("#signout").click()
    page.locator("#dialog-yes").click()
    expect(page.locator("#username")).to_be_visible()

    # Back online, someone of the same establishment signs in: the entry is delivered.
    own_server.start()
    sign_in(page, own_server.url, "owner.hk")
    expect(page.locator("#record-list .receipt")).to_have_text(RECEIPT, timeout=SYNC_DEADLINE_MS)
    expect(page.locator("#record-list")).to_contain_text("SMITH JOHN")
    expect(page.locator("#deadline-warning")).to_have_count(0)
    context.close()


def test_correct_a_returned_declaration_then_check_out_and_cancel(
    playwright_instance: Playwright, live_server: LiveServer, tmp_path: Path
) -> None:
    context, page = open_app(playwright_instance, tmp_path / "profile", live_server.url)
    sign_in(page, live_server.url, "owner.cn")
    guests = [
        Guest("DUPONT MARIE", "FR1234567", nationality_search="pháp", nationality="FRA"),
        Guest("DUPONT PAUL", "FR7654321", sex="M", nationality_search="fra", nationality="FRA"),
    ]
    declare(page, guests[0], another=True)
    declare(page, guests[1])
    records = page.locator("#guests")  # returned ones are listed first, on their own
    expect(records.locator(".receipt")).to_have_count(2, timeout=SYNC_DEADLINE_MS)

    # The ward police return Marie's declaration; the receptionist corrects and resends.
    run_async(
        return_for_correction(live_server.database_url, "DUPONT MARIE", "Sai số phòng", "police.cn")
    )
    page.locator("#sync-now").click()
    marie = records.locator("a", has_text="DUPONT MARIE")
    expect(marie).to_contain_text("Trả lại để sửa", timeout=SYNC_DEADLINE_MS)
    marie.click()
    expect(page.locator("#police-reason")).to_contain_text("Sai số phòng")
    page.locator("#correct").click()
    page.locator("#f-room").fill("204")
    page.locator("#save").click()
    expect(marie).to_contain_text("Đã tiếp nhận", timeout=SYNC_DEADLINE_MS)
    expect(marie).to_contain_text("Phòng 204")

    # Paul checks out; Marie's declaration is cancelled (entered by mistake).
    records.locator("a", has_text="DUPONT PAUL").click()
    page.locator("#checkout").click()
    page.locator("#dialog-yes").click()
    expect(page.locator("#unsent-count")).to_have_text("Chưa gửi: 0", timeout=SYNC_DEADLINE_MS)
    marie.click()
    page.locator("#cancel").click()
    page.locator("#reason").fill("Nhập nhầm")
    page.locator("#dialog-yes").click()
    expect(page.locator("#unsent-count")).to_have_text("Chưa gửi: 0", timeout=SYNC_DEADLINE_MS)
    page.locator("#view-all").click()
    expect(records.locator("a", has_text="DUPONT PAUL")).to_contain_text("Đã trả phòng")
    expect(marie).to_contain_text("Đã huỷ")
    context.close()


DATES_TYPED = """
async () => {
  const form = await import("/app/js/form-text.js");
  const cases = [
    ["day", "30/11/2026"], ["day", "30.11.2026"], ["day", "30112026"], ["day", "2026-11-30"],
    ["day", "31/02/2026"], ["birth", "12081974"], ["birth", "12/08/1974"], ["birth", "08/1974"],
    ["birth", "1974"], ["moment", "30/11/2026 14:05"], ["moment", "301120261405"],
    ["moment", "2026-11-30T14:05"],
  ];
  const parse = { day: form.dayToIso, birth: form.birthToIso, moment: form.momentToIso };
  return cases.map(([kind, text]) => parse[kind](text));
}
"""


def test_dates_are_typed_day_first_with_or_without_slashes(
    browser: Browser, live_server: LiveServer
) -> None:
    """A phone's number pad may have no "/": digits alone are read day first too."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/app/manifest.webmanifest")
    assert page.evaluate(DATES_TYPED) == [
        "2026-11-30", "2026-11-30", "2026-11-30", "2026-11-30",
        "2026-02-31",  # not a day: the checks refuse it with their own message
        "1974-08-12", "1974-08-12", "1974-08", "1974",
        "2026-11-30T14:05", "2026-11-30T14:05", "2026-11-30T14:05",
    ]  # fmt: skip
    context.close()


EXEMPTIONS = """
async () => {
  const form = await import("/app/js/form-text.js");
  const rules = await import("/app/js/rules.js");
  const codes = await (await fetch("/api/v1/codes")).json();
  const days = (nationality, entry) => {
    const row = form.exemptionFor(codes, nationality, entry);
    return row ? row.days : null;
  };
  return {
    deu: days("DEU", "2026-11-30"),
    deuUntil: rules.addDays("2026-11-30", days("DEU", "2026-11-30") - 1),
    phl: days("PHL", "2026-11-30"),
    usa: days("USA", "2026-11-30"),
    deuBefore: days("DEU", "2023-08-14"),
    polBefore: days("POL", "2025-02-28"),
    polFrom: days("POL", "2025-03-01"),
    polAfter: days("POL", "2029-01-01"),
  };
}
"""


def test_the_app_picks_the_exemption_in_force_on_the_day_of_entry(
    browser: Browser, live_server: LiveServer
) -> None:
    """The entry day is day 1: 45 days from 30/11/2026 end on 13/01/2027."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/app/manifest.webmanifest")
    assert page.evaluate(EXEMPTIONS) == {
        "deu": 45, "deuUntil": "2027-01-13", "phl": 21, "usa": None,
        "deuBefore": None, "polBefore": None, "polFrom": 45, "polAfter": None,
    }  # fmt: skip
    context.close()
