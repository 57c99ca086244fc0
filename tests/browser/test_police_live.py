"""The live queue in a real browser: a declaration stored through another server process
(same database) appears on an open queue page without reloading; another ward's does not."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests import pg
from tests.browser.pwa_steps import screenshot
from tests.browser.test_signin import sign_in
from tests.builders import DEMO_PASSWORD, declaration
from tests.conftest import new_server
from tests.live import LiveServer

pytestmark = pytest.mark.browser


def _declare(server: LiveServer, username: str, item: dict[str, object]) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        token = http.post(
            "/api/v1/auth/token",
            json={"username": username, "password": DEMO_PASSWORD},
        ).json()["access_token"]
        response = http.post(
            "/api/v1/declarations/batch",
            json={"declarations": [item]},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.json()["results"][0]["result"] == "created", response.text


def test_a_new_declaration_appears_on_an_open_queue_across_server_processes(
    browser: Browser, template_url: str, pg_cluster: pg.Cluster | None, tmp_path: Path
) -> None:
    name = f"live_{uuid.uuid4().hex[:12]}"
    first = new_server(template_url, pg_cluster, tmp_path, name)
    second = LiveServer(first.database_url, tmp_path / "second.log")
    first.start(LIVE_POLL_SECONDS="0.5")
    second.start()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    try:
        page = context.new_page()
        sign_in(page, first, "police.hk")
        page.goto(f"{first.url}/police/declarations")
        expect(page.locator("#live-status.on")).to_be_visible(timeout=10_000)

        other_ward = declaration(full_name="CUA NAM GUEST")
        mine = declaration(full_name="LIVE ARRIVAL")
        _declare(second, "owner.cn", other_ward)
        _declare(second, "staff.hk", mine)

        row = page.locator(f"#row-{mine['id']}")
        expect(row).to_be_visible(timeout=10_000)
        expect(row).to_have_class("live-new")
        expect(row).to_contain_text("LIVE ARRIVAL")
        expect(page.locator(f"#row-{other_ward['id']}")).to_have_count(0)
        expect(page.locator("#live-status")).to_contain_text("1")
        screenshot(page, "police-queue-live")

        # Confirmed through the other process: the row on the open page is updated.
        with httpx.Client(base_url=second.url, timeout=10) as officer:
            login = officer.get("/login")
            token = login.text.split('name="csrf_token" value="')[1].split('"')[0]
            officer.post(
                "/login",
                data={"csrf_token": token, "username": "police.hk", "password": DEMO_PASSWORD},
            )
            officer.post(
                f"/police/declarations/{mine['id']}/decide",
                data={"csrf_token": token, "decision": "confirm", "version": "1"},
            )
        expect(page.locator(f"#row-{mine['id']}.live-changed")).to_contain_text(
            "Đã xác nhận", timeout=10_000
        )
    finally:
        context.close()
        second.stop()
        first.stop()
        if pg_cluster is not None:
            pg_cluster.drop_database(name)


def test_a_queue_page_past_the_accounts_limit_says_its_updates_are_paused(
    browser: Browser, template_url: str, pg_cluster: pg.Cluster | None, tmp_path: Path
) -> None:
    """``LIVE_STREAMS_PER_USER`` open queues per account: the next tab's stream ends at
    once, and the page says why instead of showing "live"."""
    name = f"live_{uuid.uuid4().hex[:12]}"
    server = new_server(template_url, pg_cluster, tmp_path, name)
    server.start(LIVE_STREAMS_PER_USER="1")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    try:
        first = context.new_page()
        sign_in(first, server, "police.hk")
        first.goto(f"{server.url}/police/declarations")
        expect(first.locator("#live-status.on")).to_be_visible(timeout=10_000)

        second = context.new_page()  # the same account (the same session), a second tab
        second.goto(f"{server.url}/police/declarations")
        status = second.locator("#live-status")
        paused = status.get_attribute("data-too-many-label")
        assert paused and "Live updates paused" not in paused  # in the page's language
        expect(status).to_have_text(paused, timeout=10_000)
        expect(status).not_to_have_class("live-status on")
        expect(first.locator("#live-status.on")).to_be_visible()  # the first one stays live
    finally:
        context.close()
        server.stop()
        if pg_cluster is not None:
            pg_cluster.drop_database(name)
