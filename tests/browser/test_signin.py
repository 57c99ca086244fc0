"""In a real browser: sign in, land on the right home, switch language, sign out."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.builders import DEMO_PASSWORD
from tests.live import LiveServer

pytestmark = pytest.mark.browser

HOMES = {
    "owner.hk": ("/hotel/", "Khách sạn Hồ Gươm (demo)"),
    "staff.hk": ("/hotel/", "Khách sạn Hồ Gươm (demo)"),
    "owner.cn": ("/hotel/", "Nhà nghỉ Cửa Nam (demo)"),
    "police.hk": ("/police/", "Công an phường Hoàn Kiếm"),
    "police.cn": ("/police/", "Công an phường Cửa Nam"),
    "lead.hk": ("/police/", "Công an phường Hoàn Kiếm"),
    "pa08.hn": ("/police/", "Phòng Quản lý xuất nhập cảnh (PA08) – Công an thành phố Hà Nội"),
    "admin": ("/admin/", "Quản trị"),
}


def sign_in(page: Page, server: LiveServer, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{server.url}/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


@pytest.mark.parametrize("username", sorted(HOMES))
def test_each_demo_account_signs_in_and_lands_home(
    page: Page, live_server: LiveServer, username: str
) -> None:
    path, heading = HOMES[username]
    sign_in(page, live_server, username)
    expect(page).to_have_url(f"{live_server.url}{path}")
    expect(page.locator("h1")).to_have_text(heading)
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(f"{live_server.url}/login")


def test_sign_in_page_in_english_and_switching_language(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(locale="en-US", viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Sign in")
    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("h1")).to_have_text("Đăng nhập")
    page.reload()
    expect(page.locator("h1")).to_have_text("Đăng nhập")
    context.close()


def test_wrong_password_shows_a_translated_error(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server, "owner.hk", "wrong-password")
    expect(page.get_by_role("alert")).to_have_text("Sai tên đăng nhập hoặc mật khẩu.")
    expect(page.get_by_label("Tên đăng nhập")).to_have_value("owner.hk")


def test_police_officer_switches_to_english_in_the_console(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "police.cn")
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Cửa Nam Ward Police")
    page.get_by_role("link", name="Establishments").first.click()
    expect(page.get_by_role("link", name="Nhà nghỉ Cửa Nam (demo)")).to_be_visible()
    expect(page.get_by_text("Khách sạn Hồ Gươm (demo)")).to_have_count(0)
    # Put the account back in Vietnamese: the choice is stored on the account.
    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
