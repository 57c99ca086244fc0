"""The hotel app against a database that is locked for a while: the server answers 503
with Retry-After, the app keeps the entry on the phone and sends it once the lock is gone
(SQLite lane: its single writer lock)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Playwright, Response, expect

from tests import pg
from tests.browser.conftest import open_app
from tests.browser.pwa_steps import RECEIPT, SYNC_DEADLINE_MS, Guest, declare, sign_in
from tests.conftest import new_server

pytestmark = pytest.mark.browser


def test_a_busy_database_delays_the_entry_and_loses_nothing(
    playwright_instance: Playwright,
    template_url: str,
    pg_cluster: pg.Cluster | None,
    tmp_path: Path,
) -> None:
    if pg_cluster is not None:
        pytest.skip("SQLite's single writer lock; PostgreSQL locks rows")
    server = new_server(template_url, None, tmp_path, "busy")
    path = server.database_url[len("sqlite://") :]
    server.database_url += "?busy_timeout=300"
    server.start()
    lock = sqlite3.connect(path, isolation_level=None)
    try:
        context, page = open_app(playwright_instance, tmp_path / "profile", server.url)
        sign_in(page, server.url, "staff.hk")
        answers: list[int] = []

        def seen(response: Response) -> None:
            if "/declarations/batch" in response.url:
                answers.append(response.status)

        context.on("response", seen)
        lock.execute("BEGIN IMMEDIATE")  # another writer holds the database
        declare(page, Guest("BUSY BEATRICE", "P7654321", nationality_search="aus",
                            nationality="AUS"))  # fmt: skip
        expect(page.locator("#unsent-count")).to_have_text("Chưa gửi: 1")
        page.wait_for_timeout(1500)
        assert 503 in answers, answers
        expect(page.locator("#unsent-count")).to_have_text("Chưa gửi: 1")
        lock.execute("ROLLBACK")  # released: the app's next retry goes through
        expect(page.locator("#record-list .receipt")).to_have_text(
            RECEIPT, timeout=SYNC_DEADLINE_MS
        )
        expect(page.locator("#unsent-count")).to_have_text("Chưa gửi: 0")
        assert answers[-1] == 200
        (count,) = lock.execute(
            "SELECT COUNT(*) FROM declaration WHERE full_name = 'BUSY BEATRICE'"
        ).fetchone()
        assert count == 1
        context.close()
    finally:
        lock.close()
        server.stop()
