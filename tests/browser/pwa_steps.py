"""What a receptionist does in the hotel app, as Playwright steps shared by the PWA tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Page, expect
from tortoise import Tortoise

from server import db
from server import settings as settings_module
from server.declarations import review
from server.models import Declaration, User
from tests.builders import DEMO_PASSWORD
from tests.live import LiveServer

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
RECEIPT = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}$")
SYNC_DEADLINE_MS = 30_000  # the app retries at least every 10 s while the server is away
SWEDISH_MRZ = (
    "P<SWEERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36SWE7408122F3004157ZE184226B<<<<<16"
)


def today() -> date:
    return datetime.now(VIETNAM).date()


@dataclass
class Guest:
    full_name: str
    document_number: str
    sex: str = "F"
    born: str = "12/08/1974"  # as typed: day first
    nationality_search: str = "Thụy Điển"
    nationality: str = "SWE"
    document_expiry: date = field(default_factory=lambda: today() + timedelta(days=1500))
    visa_number: str = "V1234567"
    relationship: str | None = None
    room: str = "301"


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/app/")
    page.locator("#username").fill(username)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.locator("#new-guest")).to_be_visible()


def wait_for_offline_shell(page: Page) -> None:
    """Until the service worker controls the page (its install precached the shell).

    A function, not an expression: Playwright re-polls an expression with `eval`,
    which the app's Content-Security-Policy refuses once the first poll misses.
    """
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    forget_http_cache(page)


def forget_http_cache(page: Page) -> None:
    """What works offline must come from the service worker: the browser's HTTP cache
    (versioned files are kept a year) would hide a file the worker misses."""
    session = page.context.new_cdp_session(page)
    session.send("Network.clearBrowserCache")
    session.detach()


# The fields a new form fills with a default and folds (pwa/js/form.js DEFAULTED).
DEFAULTED = (
    "entry_kind",
    "stay_permitted_until",
    "entry_date",
    "entry_port",
    "purpose",
    "arrived_at",
)


def reveal(page: Page, *names: str) -> None:
    """Open the summary a new form folds its defaulted fields into, where they are folded."""
    for name in names:
        field = page.locator(f'[data-field="{name}"]')
        if "folded" in (field.get_attribute("class") or ""):
            field.locator("xpath=ancestor::fieldset[1]").locator(".summary button").click()


def fill_guest(page: Page, guest: Guest, *, first_of_party: bool, mrz: str | None = None) -> None:
    """Fill the form as a receptionist would; party fields are already copied after the first."""
    if mrz:
        page.locator("#f-mrz").fill(mrz)
        page.locator('[data-field="mrz"] button').click()
        expect(page.locator("#mrz-status")).to_have_class("hint good")
    else:
        page.locator("#f-full_name").fill(guest.full_name)
        page.locator(f'#f-sex input[value="{guest.sex}"]').check()
        page.locator("#f-date_of_birth").fill(guest.born)
        page.locator("#f-nationality").fill(guest.nationality_search)
        page.locator("#nationality-choices button", has_text=f"({guest.nationality})").click()
        page.locator("#f-document_number").fill(guest.document_number)
        page.locator("#f-document_expiry").fill(guest.document_expiry.isoformat())
    reveal(page, *DEFAULTED)
    page.locator("#f-entry_kind").select_option("visa")
    page.locator("#f-visa_category").select_option("DL")
    page.locator("#f-entry_document_number").fill(guest.visa_number)
    page.locator("#f-stay_permitted_until").fill((today() + timedelta(days=30)).isoformat())
    if guest.relationship:
        reveal(page, "relationship")
        page.locator("#f-relationship").select_option(guest.relationship)
    if first_of_party:
        page.locator("#f-entry_date").fill((today() - timedelta(days=1)).isoformat())
        page.locator("#f-entry_port").select_option("HAN")
        page.locator("#f-purpose").select_option("tourism")
        page.locator("#f-expected_departure").fill((today() + timedelta(days=3)).isoformat())
        page.locator("#f-room").fill(guest.room)


def declare(page: Page, guest: Guest, *, another: bool = False, mrz: str | None = None) -> None:
    """Open a new form (unless continuing a party), fill it, save."""
    if not page.locator("form.declaration").count():
        page.locator("#new-guest").click()
        first = True
    else:
        first = False
    fill_guest(page, guest, first_of_party=first, mrz=mrz)
    page.locator("#save-another" if another else "#save").click()
    if another:
        expect(page.locator("#f-full_name")).to_have_value("")
    else:
        expect(page.locator("#new-guest")).to_be_visible()


def unsent_count(page: Page) -> str:
    return page.locator("#unsent-count").inner_text()


def screenshot(page: Page, name: str) -> None:
    """A phone screenshot for the README (docs/screenshots/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


async def return_for_correction(
    database_url: str, full_name: str, reason: str, officer_name: str = "police.hk"
) -> None:
    """What the ward officer does (the console's pages come with issue 5)."""
    await db.connect(settings_module.load({"DATABASE_URL": database_url, "TESTING": "1"}))
    try:
        officer = await User.get(username=officer_name).select_related("police_unit")
        record = await Declaration.get(full_name=full_name)
        await review.decide(
            str(record.id),
            "return",
            user=officer,
            reason=reason,
        )
    finally:
        await Tortoise.close_connections()


def declare_by_api(
    server: LiveServer, *items: dict[str, Any], username: str = "owner.hk"
) -> list[dict[str, Any]]:
    """What the hotel's software does: declare ``items`` in one batch over the live
    server's API; the results, each checked stored."""
    with httpx.Client(base_url=server.url, timeout=30) as api:
        token = api.post(
            "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}
        ).json()["access_token"]
        answer = api.post(
            "/api/v1/declarations/batch",
            json={"declarations": list(items)},
            headers={"Authorization": f"Bearer {token}"},
        )
    results: list[dict[str, Any]] = answer.json()["results"]
    assert all(r["result"] == "created" for r in results), answer.text
    return results
