"""The police console as a new officer meets it, in a real browser: a bookmarked page
asks to sign in and then opens; a guest is found from the home page in any state; and
no page shows an internal code where a word belongs."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.pwa_steps import declare_by_api
from tests.browser.test_signin import sign_in
from tests.builders import DEMO_PASSWORD, declaration
from tests.live import LiveServer
from tests.police.test_console_edges import _internal_codes


def _confirmed_guest(server: LiveServer) -> dict[str, object]:
    item = declaration(full_name="LINDQVIST KARIN")
    declare_by_api(server, item)
    return item


def test_a_new_officer_signs_in_finds_a_guest_and_reads_words(
    page: Page, live_server: LiveServer
) -> None:
    item = _confirmed_guest(live_server)
    # A bookmarked page, signed out: to the sign-in form, then back to it.
    page.goto(f"{live_server.url}/police/declarations?state=all")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Tên đăng nhập").fill("police.hk")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(f"{live_server.url}/police/declarations?state=all")

    # Confirm the guest, then look for them from the home page: found though confirmed.
    page.goto(f"{live_server.url}/police/declarations/{item['id']}")
    page.locator("#confirm").click()
    expect(page.locator("#no-decision")).to_be_visible()
    page.goto(f"{live_server.url}/police/")
    page.locator("#home-search input[name=name]").fill("lindqvist")
    page.locator("#home-search button").click()
    expect(page.locator("#queue")).to_contain_text("LINDQVIST KARIN")

    known = _internal_codes()
    for path in ("/police/", f"/police/declarations/{item['id']}", "/police/declarations"):
        page.goto(f"{live_server.url}{path}")
        words = set(re.findall(r"[a-z][a-z_0-9]+", page.locator("body").inner_text()))
        assert not words & known, (path, sorted(words & known))


def test_a_signed_out_officer_is_sent_to_sign_in(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server, "police.hk")
    page.get_by_role("button", name="Đăng xuất").click()
    page.goto(f"{live_server.url}/police/establishments")
    expect(page.locator("h1")).to_have_text("Đăng nhập")
