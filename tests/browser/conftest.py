"""Browser fixtures: the real server as a subprocess, Debian's Chromium via Playwright."""

from __future__ import annotations

import shutil
import uuid
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

from tests import pg
from tests.live import LiveServer

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


def new_server(
    template_url: str, pg_cluster: pg.Cluster | None, folder: Path, name: str
) -> LiveServer:
    """A server (not yet started) on a database of its own, copied from the template."""
    if pg_cluster is not None:
        pg_cluster.create_database(name, template="template_luutru")
        url = pg_cluster.url(name)
    else:
        target = folder / f"{name}.sqlite3"
        shutil.copyfile(template_url[len("sqlite://") :], target)
        url = f"sqlite://{target}"
    return LiveServer(url, folder / f"{name}.log")


@pytest.fixture(scope="session")
def live_server(
    template_url: str, pg_cluster: pg.Cluster | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The real server process, shared by the browser tests of this session."""
    server = new_server(template_url, pg_cluster, tmp_path_factory.mktemp("live"), "live")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_server(
    template_url: str, pg_cluster: pg.Cluster | None, tmp_path: Path
) -> Iterator[LiveServer]:
    """A server (and database) of one test's own, which the test may stop and start."""
    name = f"own_{uuid.uuid4().hex[:12]}"
    live = new_server(template_url, pg_cluster, tmp_path, name)
    live.start()
    try:
        yield live
    finally:
        live.stop()
        if pg_cluster is not None:
            pg_cluster.drop_database(name)


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
