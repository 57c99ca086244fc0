"""Browser fixtures: the real server as a subprocess, Debian's Chromium via Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless (Playwright's own browser download is not used)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test-deps`")
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) for one test, phone-sized."""
    ctx = browser.new_context(viewport={"width": 360, "height": 800}, locale="vi-VN")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


PHONE: ViewportSize = {"width": 360, "height": 800}


def open_phone(playwright: Playwright, profile: Path, locale: str = "vi-VN") -> BrowserContext:
    """Chromium with a persistent profile (IndexedDB, service worker and caches survive
    closing it), phone-sized: what a receptionist's browser keeps between sessions."""
    return playwright.chromium.launch_persistent_context(
        profile,
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport=PHONE,
        device_scale_factor=1,
        is_mobile=False,
        has_touch=True,
        locale=locale,
        service_workers="allow",
    )


def open_app(playwright: Playwright, profile: Path, base_url: str) -> tuple[BrowserContext, Page]:
    """Open the hotel app in a phone browser with a persistent profile."""
    context = open_phone(playwright, profile)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(f"{base_url}/app/")
    return context, page
